"""Every configs/restormer_*.py loads, builds its model, and explains a missing dataset."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.registry import PARAM_SCHEDULERS

from derain_toolkit import build_model, load_config
from derain_toolkit.engine.runner_utils import PreflightError, preflight

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
REAL_DATA = ['restormer_rain100l.py', 'restormer_rain100h.py', 'restormer_rain800.py', 'restormer_mixed.py',
             'restormer_rain13k.py']


@pytest.mark.parametrize('name', REAL_DATA + ['restormer_tiny_synthetic.py'])
def test_config_loads_with_runtime_and_builds_its_model(name):
    cfg = load_config(CONFIGS / name)
    assert cfg.default_scope == 'derain_toolkit'
    assert {'TrainingProgressHook', 'NaNGuardHook'} <= {hook['type'] for hook in cfg.custom_hooks}
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    model = build_model(cfg)
    assert type(model.backbone).__name__ == 'RestormerUNet'
    if name != 'restormer_tiny_synthetic.py':
        assert sum(p.numel() for p in model.parameters()) > 20_000_000  # Restormer: 26.1M


def test_tiny_model_runs_on_any_size():
    torch.manual_seed(0)
    model = build_model(CONFIGS / 'restormer_tiny_synthetic.py').eval()
    with torch.no_grad():
        assert model(torch.rand(1, 3, 21, 30), mode='tensor').shape == (1, 3, 21, 30)


def test_restormer_schedule_is_constant_then_cosine():
    cfg = load_config(CONFIGS / 'restormer_rain13k.py')
    assert cfg.train_cfg.max_iters == 300000
    constant, cosine = cfg.param_scheduler
    assert (constant.end, cosine.begin, cosine.end, cosine.eta_min) == (92000, 92000, 300000, 1e-6)


@pytest.mark.parametrize('name', REAL_DATA)
def test_missing_dataset_gives_the_layout_message(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data/ here
    with pytest.raises(PreflightError, match='expected one of these layouts'):
        preflight(load_config(CONFIGS / name), ('train', 'val'))


def test_clip_rpn_schedule_warms_up_15_epochs_then_anneals_to_300():
    """Epochs map to iterations through len(train_dataloader) (here 4 iterations per epoch)."""
    cfg = load_config(CONFIGS / '_base_' / 'schedules' / 'adamw_warmup_cosine_300e.py')
    assert cfg.train_cfg.max_epochs == 300
    optimizer = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=cfg.optim_wrapper.optimizer.lr,
                                  weight_decay=cfg.optim_wrapper.optimizer.weight_decay)
    schedulers = []
    for scheduler in cfg.param_scheduler:
        scheduler = dict(scheduler)
        assert scheduler.pop('by_epoch') and scheduler.pop('convert_to_iter_based')
        cls = PARAM_SCHEDULERS.get(scheduler.pop('type'))
        schedulers.append(cls.build_iter_from_epoch(optimizer, epoch_length=4, **scheduler))
    lrs = []
    for _ in range(300 * 4):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    assert lrs[0] == pytest.approx(2e-7)
    assert lrs[15 * 4 - 1] == lrs[15 * 4] == pytest.approx(2e-4)  # peak at the end of the warm-up
    assert np.allclose(np.diff(lrs[:60]), (2e-4 - 2e-7) / 59)  # rises linearly
    assert all(a >= b for a, b in zip(lrs[60:-1], lrs[61:]))  # then only falls
    assert lrs[-1] == pytest.approx(1e-6, abs=1e-8)


@pytest.mark.parametrize('name', REAL_DATA)
def test_restormer_recipe_is_the_official_one(name):
    """Deraining_Restormer.yml: clip_grad_norm_ 0.01, progressive patches 128 -> 384 with per-GPU batches
    [8, 5, 4, 2, 1, 1] over [92k, 64k, 48k, 36k, 36k, 24k] iterations, loaded as 8 patches of 384
    in one of the 8 flips/rotations; a checkpoint every 4000 iterations."""
    cfg = load_config(CONFIGS / name)
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=0.01)
    assert cfg.train_cfg.type == 'ProgressiveIterBasedTrainLoop' and cfg.train_cfg.max_iters == 300000
    schedule = cfg.train_cfg.patch_schedule
    assert schedule.iters == [92000, 64000, 48000, 36000, 36000, 24000] and sum(schedule.iters) == 300000
    assert schedule.patch_sizes == [128, 160, 192, 256, 320, 384]
    assert schedule.batch_sizes == [8, 5, 4, 2, 1, 1]
    assert cfg.train_dataloader.batch_size == max(schedule.batch_sizes)
    pipeline = [t.type for t in cfg.train_dataloader.dataset.pipeline]
    assert pipeline == ['PairedRandomCrop', 'PairedRandomDihedral', 'PairedToTensor']
    crop = cfg.train_dataloader.dataset.pipeline[0]
    assert crop.patch_size == max(schedule.patch_sizes) and crop.pad_if_smaller
    assert cfg.default_hooks.checkpoint.interval == 4000  # save_checkpoint_freq 4e3


def test_clip_rpn_epoch_schedule_resumes_mid_epoch():
    cfg = load_config(CONFIGS / '_base_' / 'schedules' / 'adamw_warmup_cosine_300e.py')
    assert cfg.train_cfg.type == 'ResumableEpochBasedTrainLoop'
