"""The Charbonnier plugin: registered from outside the toolkit, equals its formula, its config trains."""
import os
import sys
import warnings

import pytest
import torch
from mmengine.runner import Runner

from derain_toolkit import build_model, load_config
from derain_toolkit.registry import LOSSES

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, 'plugins', 'configs', 'restormer_tiny_charbonnier.py')
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # `plugins` is imported by the config's custom_imports


def test_the_config_imports_the_plugin_and_the_loss_matches_its_formula():
    model = build_model(CONFIG)
    loss, = model.losses
    assert type(loss).__name__ == 'CharbonnierLoss' and LOSSES.get('CharbonnierLoss') is type(loss)
    pred, target = torch.tensor([0.0, 0.5, 1.0]), torch.tensor([0.0, 0.2, 0.0])
    expected = (1e-3 + (0.3 ** 2 + 1e-6) ** 0.5 + (1 + 1e-6) ** 0.5) / 3
    assert loss(pred, target).item() == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match='eps must be > 0'):
        type(loss)(eps=0.0)


def test_the_plugin_config_trains_for_two_iterations(tmp_path):
    torch.manual_seed(0)
    cfg = load_config(CONFIG)
    cfg.merge_from_dict({'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
                         'train_dataloader.dataset.num_samples': 4, 'train_dataloader.dataset.image_size': 16,
                         'val_dataloader.dataset.num_samples': 1, 'val_dataloader.dataset.image_size': 16,
                         'default_hooks.logger.interval': 1, 'default_hooks.checkpoint.interval': 2})
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = 'charbonnier_plugin_test'
    cfg.log_level = 'ERROR'
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            runner = Runner.from_cfg(cfg)
            before = [p.detach().clone() for p in runner.model.parameters()]
            runner.train()
    finally:
        torch.set_num_threads(threads)
    assert runner.iter == 2
    scalars = runner.message_hub.log_scalars
    assert 'train/loss_charbonnier' in scalars
    assert torch.isfinite(torch.tensor(scalars['train/loss_charbonnier'].current()))
    assert any(not torch.equal(a, b) for a, b in zip(before, runner.model.parameters()))
