"""The log-cosh plugin: registered from outside the toolkit, equals its formula, its config trains."""
import math
import os
import sys
import warnings

import pytest
import torch
from mmengine.runner import Runner

import derain_toolkit
from derain_toolkit import build_model, load_config
from derain_toolkit.registry import LOSSES

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, 'plugins', 'configs', 'restormer_tiny_log_cosh.py')
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # `plugins` is imported by the config's custom_imports


def test_the_config_registers_the_plugin_from_outside_the_toolkit():
    model = build_model(CONFIG)
    loss, = model.losses
    assert LOSSES.get('LogCoshLoss') is type(loss)
    assert type(loss).__module__ == 'plugins.log_cosh_loss.log_cosh_loss'
    package = os.path.dirname(derain_toolkit.__file__)
    for folder, _, files in os.walk(package):
        for name in files:
            if name.endswith('.py'):
                with open(os.path.join(folder, name), encoding='utf-8') as f:
                    assert 'LogCosh' not in f.read(), f'{name} in derain_toolkit/ names the plugin'


def test_the_loss_equals_log_cosh_and_does_not_overflow():
    build_model(CONFIG)  # imports the plugin
    loss = LOSSES.build(dict(type='LogCoshLoss'))
    pred, target = torch.tensor([0.0, 0.5, 1.0, 100.0]), torch.tensor([0.0, 0.2, -1.0, 0.0])
    expected = sum(math.log(math.cosh(x)) for x in (0.0, 0.3, 2.0, 100.0)) / 4  # cosh(100) overflows float32
    assert loss(pred, target).item() == pytest.approx(expected, rel=1e-6)
    pred = torch.tensor([0.0, 0.3, -2.0], dtype=torch.float64, requires_grad=True)
    loss(pred, torch.zeros(3, dtype=torch.float64)).backward()
    assert torch.allclose(pred.grad, torch.tanh(pred.detach()) / 3, rtol=1e-12, atol=0)


def test_the_plugin_config_trains_for_two_iterations(tmp_path):
    torch.manual_seed(0)
    cfg = load_config(CONFIG)
    cfg.merge_from_dict({'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
                         'train_dataloader.dataset.num_samples': 4, 'train_dataloader.dataset.image_size': 16,
                         'val_dataloader.dataset.num_samples': 1, 'val_dataloader.dataset.image_size': 16,
                         'default_hooks.logger.interval': 1, 'default_hooks.checkpoint.interval': 2})
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = 'log_cosh_plugin_test'
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
    assert 'train/loss_log_cosh' in scalars
    assert torch.isfinite(torch.tensor(scalars['train/loss_log_cosh'].current()))
    assert any(not torch.equal(a, b) for a, b in zip(before, runner.model.parameters()))
