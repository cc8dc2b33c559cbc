"""FADformer configs: the model base is the official FADformer() with its loss and test_merge; each set's
config is that base under the official recipe (train_*.py + configs/<set>/FADformer.json) over the set's
dataset base (the tiny synthetic config's deraining: tests/tools/test_tiny_configs_derain.py)."""
import copy
from pathlib import Path

import pytest
import torch

from derain_toolkit import load_config

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
EPOCHS = {'rain200l': 800, 'rain200h': 800, 'did': 500, 'ddn': 500}


def test_model_base_is_the_official_network_loss_and_test_procedure():
    cfg = load_config(CONFIGS / '_base_' / 'models' / 'fadformer.py')
    backbone = cfg.model.backbone
    assert (backbone.type, backbone.dim, tuple(backbone.depths)) == ('FADformer', 32, (4, 8, 10, 8, 4))
    assert [(loss.type, loss.loss_weight) for loss in cfg.model.losses] == [('L1Loss', 1.0), ('FCRLoss', 0.1)]
    assert cfg.model.losses[1].num_negatives == 2
    assert cfg.model.test_time == dict(type='CornerCropMerge', multiple=4)
    assert cfg.checkpoint_converter == 'fadformer'


def _official_lrs(epochs: int) -> list[float]:
    """train_rain200.py's LR per epoch: torch's CosineAnnealingLR(T_max=epochs, eta_min=1e-5), range(epochs + 1)."""
    optimizer = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=1e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs, eta_min=1e-5)
    lrs = []
    for _ in range(epochs + 1):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        scheduler.step()
    return lrs


def _config_lrs(cfg) -> list[float]:
    from mmengine.optim import OptimWrapper
    from mmengine.registry import PARAM_SCHEDULERS
    optimizer = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=cfg.optim_wrapper.optimizer.lr)
    wrapper = OptimWrapper(optimizer)
    schedulers = [PARAM_SCHEDULERS.build(copy.deepcopy(s), default_args=dict(optimizer=wrapper))
                  for s in cfg.param_scheduler]
    lrs = []
    for _ in range(cfg.train_cfg.max_epochs):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    return lrs


@pytest.mark.parametrize('name', sorted(EPOCHS))
def test_set_config_is_the_official_recipe(name):
    cfg = load_config(CONFIGS / f'fadformer_{name}.py')
    dataset_base = load_config(CONFIGS / '_base_' / 'datasets' / f'{name}.py')
    assert cfg.model == load_config(CONFIGS / '_base_' / 'models' / 'fadformer.py').model
    assert cfg.checkpoint_converter == 'fadformer'
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.weight_decay, tuple(optimizer.betas)) == (
        'AdamW', 1e-3, 0.01, (0.9, 0.999))
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=0.01)
    assert cfg.randomness.seed == 8001
    loader = cfg.train_dataloader
    assert (loader.batch_size, loader.drop_last) == (12, True)
    assert [t['type'] for t in loader.dataset.pipeline] == ['PairedRandomCrop', 'PairedRandomDihedral', 'PairedToTensor']
    assert loader.dataset.pipeline[0]['patch_size'] == 256
    for key in ('type', 'data_root', 'name'):
        assert loader.dataset[key] == dataset_base.train_dataloader.dataset[key]
    assert cfg.test_dataloader.dataset == dataset_base.test_dataloader.dataset
    assert cfg.train_cfg.val_interval == 1
    assert _config_lrs(cfg) == pytest.approx(_official_lrs(EPOCHS[name]), rel=1e-9)


def test_spa_config_is_the_official_iteration_recipe():
    cfg = load_config(CONFIGS / 'fadformer_spa.py')
    assert cfg.model == load_config(CONFIGS / '_base_' / 'models' / 'fadformer.py').model
    iters_per_pass = 638_492 // 12
    assert cfg.train_cfg.type == 'ResumableIterBasedTrainLoop' and 'max_epochs' not in cfg.train_cfg
    assert cfg.train_cfg.max_iters == 7 * iters_per_pass and cfg.train_cfg.val_begin == 3 * iters_per_pass
    scheduler, = cfg.param_scheduler
    assert scheduler.T_max == 6 * (638_492 // 12_000) * 1000 and scheduler.eta_min == 1e-5
    assert (cfg.train_dataloader.batch_size, cfg.optim_wrapper.clip_grad.max_norm) == (12, 0.01)
