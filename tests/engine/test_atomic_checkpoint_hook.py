import os

import pytest
import torch
from mmengine.fileio import LocalBackend
from mmengine.runner.checkpoint import _load_checkpoint


def _checkpoint_hook(**kwargs) -> dict:
    return dict(checkpoint=dict(type='AtomicCheckpointHook', interval=2, by_epoch=False, **kwargs))


def test_writes_checkpoints_and_keeps_only_the_newest(make_runner, tmp_path):
    make_runner(6, default_hooks=_checkpoint_hook(max_keep_ckpts=2)).train()
    work_dir = tmp_path / 'work_dir'
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['iter_4.pth', 'iter_6.pth']
    assert not list(work_dir.glob('*.tmp'))
    assert (work_dir / 'last_checkpoint').read_text() == str(work_dir / 'iter_6.pth')
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
    assert (work_dir / 'last_checkpoint').read_text() == str(work_dir / 'iter_2.pth')
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
