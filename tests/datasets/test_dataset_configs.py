"""The dataset base configs build, and the synthetic one runs through mmengine's Runner dataloader."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from derain_toolkit.registry import DATASETS

CONFIGS = Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets'


@pytest.mark.parametrize('name', ['rain100l', 'rain100h', 'rain800', 'mixed', 'rain13k', 'synthetic', 'rain200l',
                                  'rain200h', 'did', 'ddn', 'spa'])
def test_config_defines_the_loaders(name):
    cfg = Config.fromfile(CONFIGS / f'{name}.py')
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        assert loader.collate_fn.type == 'pseudo_collate'
        assert loader.batch_size == (8 if split == 'train' else 1)
    assert cfg.train_dataloader.sampler == dict(type='InfiniteSampler', shuffle=True)
    assert [m.type for m in cfg.val_evaluator] == ['PSNRMetric', 'SSIMMetric']


def test_missing_published_dataset_fails_with_layout_message():
    init_default_scope('derain_toolkit')
    cfg = Config.fromfile(CONFIGS / 'rain100l.py')
    cfg.train_dataloader.dataset.data_root = '/nonexistent/Rain100L/train'
    with pytest.raises(FileNotFoundError, match='rain-N.png'):
        DATASETS.build(cfg.train_dataloader.dataset)


def test_runner_builds_the_synthetic_loader():
    init_default_scope('derain_toolkit')
    cfg = Config.fromfile(CONFIGS / 'synthetic.py')
    cfg.train_dataloader.update(num_workers=0, batch_size=2)
    cfg.train_dataloader.dataset.update(num_samples=4, image_size=16)
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    batch = next(iter(loader))
    assert len(batch['inputs']) == 2 and batch['inputs'][0].shape == (3, 16, 16)
    samples = batch['data_samples']  # pseudo_collate turns the list of dicts into a dict of lists
    assert len(samples['gt']) == 2 and samples['gt'][0].shape == (3, 16, 16)
    assert all(p in ('light', 'moderate', 'heavy') for p in samples['pattern'])


@pytest.mark.parametrize('name,protocol', [
    ('rain200l', 'matlab_uint8_y'), ('rain200h', 'matlab_uint8_y'), ('spa', 'matlab_uint8_y'),
    ('did', 'matlab_double_y_ssim_downsample'), ('ddn', 'matlab_double_y_ssim_downsample')])
def test_rain200_did_ddn_spa_configs_score_as_their_papers(name, protocol):
    # NeRD-Rain evaluations/: evaluate_PSNR_SSIM.m for Rain200L/H and SPA-Data, statistic.m for DID/DDN.
    cfg = Config.fromfile(CONFIGS / f'{name}.py')
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert [(m.type, m.protocol) for m in evaluator] == [('PSNRMetric', protocol), ('SSIMMetric', protocol)]
