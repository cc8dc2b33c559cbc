import errno
import itertools
import os
import shutil
from collections.abc import Iterator

import pytest
import torch
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.fileio import LocalBackend
from mmengine.runner.checkpoint import _load_checkpoint

from derain_toolkit.engine.atomic_checkpoint_hook import CheckpointWriteError


def _checkpoint_hook(**kwargs) -> dict:
    return dict(checkpoint=dict(type='AtomicCheckpointHook', interval=2, by_epoch=False, **kwargs))


def test_writes_checkpoints_and_keeps_only_the_newest(make_runner, tmp_path):
    make_runner(6, default_hooks=_checkpoint_hook(max_keep_ckpts=2)).train()
    work_dir = tmp_path / 'work_dir'
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['iter_4.pth', 'iter_6.pth']
    assert not list(work_dir.glob('*.tmp'))
    assert (work_dir / 'last_checkpoint').read_text() == 'iter_6.pth'  # relative: a copied work dir resumes its own
    assert _load_checkpoint(str(work_dir / 'iter_6.pth'))['meta']['iter'] == 6


def test_interrupted_write_leaves_previous_checkpoint_loadable(make_runner, tmp_path, monkeypatch):
    """Kill the write of iter_4.pth half-way: iter_2.pth must survive (max_keep_ckpts=1)."""
    put = LocalBackend.put

    def put_half_then_die(self, obj: bytes, filepath) -> None:
        if os.path.basename(str(filepath)).startswith('iter_4'):
            put(self, obj[:len(obj) // 2], filepath)
            raise KeyboardInterrupt('killed while writing the checkpoint')
        put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', put_half_then_die)
    with pytest.raises(KeyboardInterrupt):
        make_runner(6, default_hooks=_checkpoint_hook(max_keep_ckpts=1)).train()
    monkeypatch.setattr(LocalBackend, 'put', put)

    work_dir = tmp_path / 'work_dir'
    assert sorted(p.name for p in work_dir.glob('*.pth*')) == ['iter_2.pth']  # no partial iter_4 nor .tmp
    assert not list(work_dir.glob('last_checkpoint.*'))
    assert (work_dir / 'last_checkpoint').read_text() == 'iter_2.pth'
    checkpoint = _load_checkpoint(str(work_dir / 'iter_2.pth'))
    assert checkpoint['meta']['iter'] == 2

    resumed = make_runner(6, default_hooks=_checkpoint_hook(max_keep_ckpts=1), resume=True)
    resumed.train()
    assert resumed.iter == 6
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['iter_6.pth']
    weight = resumed.model.linear.weight
    assert torch.isfinite(weight).all()


def test_plain_checkpoint_hook_loses_the_previous_checkpoint(make_runner, tmp_path, monkeypatch):
    """The failure the atomic hook prevents (mmengine deletes the old file before writing)."""
    put = LocalBackend.put

    def put_half_then_die(self, obj: bytes, filepath) -> None:
        if os.path.basename(str(filepath)).startswith('iter_4'):
            put(self, obj[:len(obj) // 2], filepath)
            raise KeyboardInterrupt('killed while writing the checkpoint')
        put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', put_half_then_die)
    hooks = dict(checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False, max_keep_ckpts=1))
    with pytest.raises(KeyboardInterrupt):
        make_runner(6, default_hooks=hooks).train()
    assert not (tmp_path / 'work_dir' / 'iter_2.pth').exists()


class _RisingScore(BaseMetric):
    """A validation score that improves at every evaluation (1, 2, 3, ... counted by ``evaluations``, shared by
    the killed and the resumed run): every validation saves a new best."""

    def __init__(self, evaluations: Iterator[int]) -> None:
        super().__init__()
        self.evaluations = evaluations

    def process(self, data_batch, data_samples) -> None:
        self.results.append(0)

    def compute_metrics(self, results: list) -> dict:
        return dict(score=float(next(self.evaluations)))


def _validating_runner(make_runner, toy_dataset, max_iters: int, evaluations: Iterator[int], **kwargs):
    """Checkpoint and validate every 2 iterations, the best by a score that always improves."""
    return make_runner(
        max_iters, default_hooks=_checkpoint_hook(save_best='score', rule='greater'),
        train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=2),
        val_dataloader=dict(dataset=toy_dataset(4), batch_size=4, num_workers=0,
                            sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='pseudo_collate')),
        val_cfg=dict(), val_evaluator=Evaluator([_RisingScore(evaluations)]), **kwargs)


def test_kill_during_best_write_keeps_previous_best_and_resumes(make_runner, toy_dataset, tmp_path, monkeypatch):
    """Die half-way through writing best_score_iter_4.pth: best_score_iter_2.pth survives, resume continues at 4."""
    put = LocalBackend.put

    def put_half_then_die(self, obj: bytes, filepath) -> None:
        if os.path.basename(str(filepath)).startswith('best_score_iter_4'):
            put(self, obj[:len(obj) // 2], filepath)
            raise KeyboardInterrupt('killed while writing the best checkpoint')
        put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', put_half_then_die)
    evaluations = itertools.count(1)
    with pytest.raises(KeyboardInterrupt):
        _validating_runner(make_runner, toy_dataset, 6, evaluations).train()
    monkeypatch.setattr(LocalBackend, 'put', put)

    work_dir = tmp_path / 'work_dir'
    assert sorted(p.name for p in work_dir.glob('*.pth*')) == ['best_score_iter_2.pth', 'iter_2.pth', 'iter_4.pth']
    assert _load_checkpoint(str(work_dir / 'best_score_iter_2.pth'))['meta']['iter'] == 2

    (work_dir / 'best_score_iter_4.pth.tmp').write_bytes(b'partial')  # what a real kill -9 leaves
    resumed = _validating_runner(make_runner, toy_dataset, 6, evaluations, resume=True)
    resumed.train()
    assert resumed.iter == 6
    assert _load_checkpoint(str(work_dir / 'iter_6.pth'))['message_hub']['runtime_info']['best_ckpt'].endswith(
        'best_score_iter_6.pth')
    # the new best replaced the old one only after it was complete; resumed at 4, not from 0
    assert sorted(p.name for p in work_dir.glob('best_*')) == ['best_score_iter_6.pth']  # the partial file removed
    log = sorted(work_dir.glob('*/*.log'))[-1].read_text()
    assert f'resume: continuing from {work_dir / "iter_4.pth"}' in log and 'resumed epoch: 0, iter: 4' in log


def test_resume_passes_over_a_corrupt_latest_checkpoint(make_runner, tmp_path):
    make_runner(4, default_hooks=_checkpoint_hook(max_keep_ckpts=3)).train()
    work_dir = tmp_path / 'work_dir'
    data = (work_dir / 'iter_4.pth').read_bytes()
    (work_dir / 'iter_4.pth').write_bytes(data[:len(data) // 3])  # truncated, as by a kill on a non-atomic copy

    resumed = make_runner(6, default_hooks=_checkpoint_hook(max_keep_ckpts=3), resume=True)
    resumed.train()
    assert resumed.iter == 6
    log = sorted(work_dir.glob('*/*.log'))[-1].read_text()
    assert f'resume: passed over {work_dir / "iter_4.pth"}: Checkpoint' in log and 'cannot be read' in log
    assert f'resume: continuing from {work_dir / "iter_2.pth"} (the newest complete checkpoint)' in log
    assert 'resumed epoch: 0, iter: 2' in log


def test_resume_without_any_checkpoint_says_it_starts_at_zero(make_runner, tmp_path):
    runner = make_runner(2, default_hooks=_checkpoint_hook(), resume=True)
    runner.train()
    log = sorted((tmp_path / 'work_dir').glob('*/*.log'))[-1].read_text()
    assert 'resume: no complete checkpoint in' in log and 'training starts at iteration 0' in log
    assert runner.iter == 2


def test_copied_work_dir_resumes_from_its_own_checkpoint(make_runner, tmp_path):
    make_runner(4, default_hooks=_checkpoint_hook(max_keep_ckpts=3)).train()
    original, copy = tmp_path / 'work_dir', tmp_path / 'copy'
    shutil.copytree(original, copy)
    (original / 'iter_4.pth').write_bytes(b'')  # the original changes after the copy: the copy must not read it
    resumed = make_runner(6, default_hooks=_checkpoint_hook(max_keep_ckpts=3), resume=True, work_dir=str(copy))
    resumed.train()
    log = sorted(copy.glob('*/*.log'))[-1].read_text()
    assert f'resume: continuing from {copy / "iter_4.pth"}' in log and 'passed over' not in log
    assert resumed.iter == 6 and (copy / 'last_checkpoint').read_text() == 'iter_6.pth'


def test_absolute_last_checkpoint_of_an_old_run_is_looked_up_in_the_copy(make_runner, tmp_path):
    make_runner(4, default_hooks=_checkpoint_hook(max_keep_ckpts=3)).train()
    original, copy = tmp_path / 'work_dir', tmp_path / 'copy'
    (original / 'last_checkpoint').write_text(str(original / 'iter_2.pth'))  # as written before issue 17
    shutil.copytree(original, copy)
    (original / 'iter_2.pth').unlink()
    from derain_toolkit.checkpoints.resume import find_resume_checkpoint, read_last_checkpoint
    assert read_last_checkpoint(str(copy)) == str(copy / 'iter_2.pth')
    assert find_resume_checkpoint(str(copy)).path == str(copy / 'iter_4.pth')  # the newest complete one


def test_full_disk_names_the_checkpoint_and_keeps_the_earlier_one(make_runner, tmp_path, monkeypatch):
    put = LocalBackend.put

    def disk_full_at_iter_4(self, obj: bytes, filepath) -> None:
        if os.path.basename(str(filepath)).startswith('iter_4'):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', disk_full_at_iter_4)
    with pytest.raises(CheckpointWriteError) as error:
        make_runner(6, default_hooks=_checkpoint_hook(max_keep_ckpts=1)).train()
    work_dir = tmp_path / 'work_dir'
    assert str(work_dir / 'iter_4.pth') in str(error.value) and 'No space left on device' in str(error.value)
    assert error.value.errno == errno.ENOSPC
    assert sorted(p.name for p in work_dir.glob('*.pth*')) == ['iter_2.pth']
