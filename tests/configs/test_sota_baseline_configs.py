"""PReNet, MPRNet, Restormer and DRSformer on Rain200L/H, DDN-Data, DID-Data and SPA-Data (the
sota_rain200 table): each is its rain100h recipe over the set's dataset base, and DRSformer runs its
official recipe, without MEFC on Rain200L and SPA-Data."""
from pathlib import Path

import pytest
import torch

from derain_toolkit import build_model, load_config
from derain_toolkit.utils.complexity import count_parameters

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
SETS = ('rain200l', 'rain200h', 'did', 'ddn', 'spa')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


@pytest.mark.parametrize('dataset', SETS)
@pytest.mark.parametrize('network', ['prenet', 'mprnet', 'restormer'])
def test_config_is_its_rain100h_recipe_on_the_set(network, dataset):
    cfg = load_config(CONFIGS / f'{network}_{dataset}.py')
    reference = load_config(CONFIGS / f'{network}_rain100h.py')
    data = load_config(CONFIGS / '_base_' / 'datasets' / f'{dataset}.py')
    for key in ('model', 'optim_wrapper', 'param_scheduler', 'train_cfg', 'default_hooks'):
        assert cfg.get(key) == reference.get(key), key
    for loader in LOADERS:
        expected = dict(data[loader].dataset, pipeline=reference[loader].dataset.pipeline)
        assert cfg[loader].dataset == expected, loader
        assert cfg[loader].batch_size == reference[loader].batch_size
    assert cfg.test_evaluator == data.test_evaluator


@pytest.mark.parametrize('dataset,mefc', [('rain200l', False), ('rain200h', True), ('did', True), ('ddn', True),
                                          ('spa', False)])
def test_drsformer_runs_its_official_recipe(dataset, mefc):
    cfg = load_config(CONFIGS / f'drsformer_{dataset}.py')
    with torch.device('meta'):
        params = count_parameters(build_model(cfg).backbone)
    assert params == (33_655_424 if mefc else 32_610_304)  # DRSformer_arch.py / DRSformer_arch_200L+SPA.py
    assert cfg.train_cfg.max_iters == 300000 and cfg.train_cfg.type == 'ResumableIterBasedTrainLoop'
    assert cfg.optim_wrapper.optimizer == dict(type='AdamW', lr=3e-4, weight_decay=1e-4, betas=(0.9, 0.999))
    assert cfg.train_dataloader.batch_size == 4
    assert cfg.train_dataloader.dataset.pipeline[0] == dict(type='PairedRandomCrop', patch_size=128,
                                                             pad_if_smaller=True, pad_mode='symmetric')
    assert cfg.test_dataloader.dataset.data_root.startswith('data/')
