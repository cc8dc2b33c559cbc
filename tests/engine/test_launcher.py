import socket

import pytest
import torch.distributed as torch_dist
from mmengine.config import Config

from derain_toolkit.engine.launcher import setup_launcher


def _cfg() -> Config:
    return Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl')), model_wrapper_cfg=dict(find_unused_parameters=True)))


def test_none_launcher_changes_nothing_else():
    cfg = _cfg()
    setup_launcher(cfg, 'none', 'cpu')
    assert cfg.launcher == 'none' and cfg.env_cfg.dist_cfg.backend == 'nccl'


def test_pytorch_launcher_outside_torchrun_says_how_to_start(monkeypatch):
    for name in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT', 'LOCAL_RANK'):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match='torchrun --nproc_per_node'):
        setup_launcher(_cfg(), 'pytorch', 'cpu')


def test_cpu_launch_initialises_gloo_and_a_cpu_ddp_wrapper(monkeypatch):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    for name, value in dict(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0', MASTER_ADDR='127.0.0.1',
                            MASTER_PORT=str(port)).items():
        monkeypatch.setenv(name, value)
    cfg = _cfg()
    try:
        setup_launcher(cfg, 'pytorch', 'cpu')
        assert torch_dist.is_initialized() and torch_dist.get_backend() == 'gloo'
    finally:
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()
    assert cfg.launcher == 'pytorch' and cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(type='MMDistributedDataParallel', broadcast_buffers=False,
                                         find_unused_parameters=True, device_ids=None)


def test_unknown_launcher_is_rejected():
    with pytest.raises(ValueError, match="'none', 'pytorch'"):
        setup_launcher(_cfg(), 'slurm', 'cpu')
