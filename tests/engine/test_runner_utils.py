import pytest
import torch
from mmengine.config import Config

from derain_toolkit.engine.runner_utils import (
    PreflightError,
    enable_amp,
    preflight,
)


def test_enable_amp_picks_the_wrapper_of_the_device_and_precision():
    base = dict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='AdamW'), clip_grad=dict(max_norm=1)))
    cuda_fp16, cuda_bf16, cpu = Config(base), Config(base), Config(base)
    enable_amp(cuda_fp16, 'cuda', 'fp16')
    enable_amp(cuda_bf16, 'cuda', 'bf16')
    enable_amp(cpu, 'cpu', 'bf16')
    assert cuda_fp16.optim_wrapper == dict(type='AmpOptimWrapper', optimizer=dict(type='AdamW'),
                                           clip_grad=dict(max_norm=1), dtype='float16', loss_scale='dynamic')
    assert cuda_bf16.optim_wrapper == dict(type='AmpOptimWrapper', optimizer=dict(type='AdamW'),
                                           clip_grad=dict(max_norm=1), dtype='bfloat16',
                                           loss_scale=dict(enabled=False))
    assert cpu.optim_wrapper == dict(type='CPUAmpOptimWrapper', optimizer=dict(type='AdamW'),
                                     clip_grad=dict(max_norm=1))
    for device, precision in (('cpu', 'fp16'), ('cuda', 'fp32')):
        with pytest.raises(ValueError, match='--precision auto'):
            enable_amp(Config(base), device, precision)


def test_preflight_raises_the_dataset_error(tmp_path):
    loader = dict(dataset=dict(type='PairedRainDataset', data_root=str(tmp_path / 'absent'), name='x'))
    cfg = Config(dict(default_scope='derain_toolkit', train_dataloader=loader,
                      test_dataloader=dict(SetA=dict(loader))))
    with pytest.raises(PreflightError, match='expected one of these layouts'):
        preflight(cfg, ('train',))
    with pytest.raises(PreflightError, match='expected one of these layouts'):
        preflight(cfg, ('test',))
    preflight(cfg, ('val',))  # absent: nothing to check


def test_preflight_lists_every_missing_member_of_a_mixed_dataset(tmp_path):
    members = [dict(type='PairedRainDataset', data_root=str(tmp_path / name), name=name)
               for name in ('RainA', 'RainB')]
    cfg = Config(dict(default_scope='derain_toolkit',
                      train_dataloader=dict(dataset=dict(type='MixedRainDataset', datasets=members))))
    with pytest.raises(PreflightError, match='2 problem') as error:
        preflight(cfg, ('train',))
    message = str(error.value)
    # Each missing member once, by its config key; the layouts and the fix once, naming a key to set.
    assert f"1. train_dataloader.dataset.datasets.0.data_root='{tmp_path / 'RainA'}': the folder does not exist" \
        in message
    assert f"2. train_dataloader.dataset.datasets.1.data_root='{tmp_path / 'RainB'}'" in message
    assert message.count('expected one of these layouts') == 1 and message.count('rain800_folders') == 1
    assert message.endswith('--cfg-options train_dataloader.dataset.datasets.0.data_root=/path/to/split '
                            '(README, section Data).')


def test_preflight_names_the_key_of_each_test_set(tmp_path):
    loader = dict(dataset=dict(type='PairedRainDataset', data_root=str(tmp_path / 'absent'), name='x'))
    cfg = Config(dict(default_scope='derain_toolkit', test_dataloader=dict(SetA=loader, SetB=loader)))
    with pytest.raises(PreflightError, match='2 problem') as error:
        preflight(cfg, ('test',))
    assert "test_dataloader.SetA.dataset.data_root=" in str(error.value)
    assert "test_dataloader.SetB.dataset.data_root=" in str(error.value)
