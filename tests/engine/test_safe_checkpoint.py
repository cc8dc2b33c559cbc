import builtins
import pickle

import pytest
import torch
from mmengine.hooks import Hook

from derain_toolkit.checkpoints.safe_checkpoint import load_local_checkpoint


def _train_with_checkpoints(make_runner, max_iters: int, **kwargs):
    hooks = dict(checkpoint=dict(type='AtomicCheckpointHook', interval=3, by_epoch=False))
    schedule = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=3),
                dict(type='CosineAnnealingLR', T_max=3, by_epoch=False, begin=3, end=6)]
    runner = make_runner(max_iters, default_hooks=hooks, param_scheduler=schedule, **kwargs)
    runner.train()
    return runner


def test_plain_torch_load_rejects_mmengine_checkpoints(make_runner, tmp_path):
    _train_with_checkpoints(make_runner, 3)
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        torch.load(tmp_path / 'work_dir' / 'iter_3.pth')  # the torch>=2.6 default, weights_only=True


def test_safe_loader_reads_it_without_allowing_getattr_globally(make_runner, tmp_path):
    _train_with_checkpoints(make_runner, 3)
    checkpoint = load_local_checkpoint(str(tmp_path / 'work_dir' / 'iter_3.pth'), map_location='cpu')
    assert checkpoint['meta']['iter'] == 3
    assert 'train/loss' in checkpoint['message_hub']['log_scalars']
    assert builtins.getattr not in torch.serialization.get_safe_globals()


class _FirstIterRecorder(Hook):
    """Records the runner's state when the first train iteration starts."""

    def __init__(self) -> None:
        self.state = None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if self.state is None:
            self.state = (runner.iter, runner.model.linear.weight.detach().clone(),
                          runner.optim_wrapper.get_lr()['lr'][0])


def test_killed_run_resumes_at_its_checkpoint(make_runner, tmp_path, toy_model):
    first = _train_with_checkpoints(make_runner, 3)
    saved_weight = first.model.linear.weight.detach().clone()
    saved_lr = first.optim_wrapper.get_lr()['lr'][0]

    recorder = _FirstIterRecorder()
    model = toy_model()
    resumed = _train_with_checkpoints(make_runner, 6, resume=True, model=model, custom_hooks=[recorder])
    start_iter, start_weight, start_lr = recorder.state
    assert start_iter == 3
    assert torch.equal(start_weight, saved_weight)
    assert start_lr == pytest.approx(saved_lr)
    assert model.loss_calls == 3 and resumed.iter == 6


def test_missing_file_says_what_was_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match='iter_<N>.pth'):
        load_local_checkpoint(str(tmp_path / 'nope.pth'))
