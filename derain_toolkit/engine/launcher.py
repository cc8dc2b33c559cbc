"""Distributed launch that also works on CPU (``torchrun`` + ``--launcher pytorch`` + gloo).

mmengine 0.10.7's ``init_dist('pytorch')`` calls ``torch.cuda.set_device(LOCAL_RANK)``
unconditionally and wraps the model in DDP with ``device_ids=[LOCAL_RANK]``; both fail
on a CPU machine. Our choice: mmengine keeps the CUDA path untouched; for CPU runs
:func:`setup_launcher` initialises the process group itself with gloo from torchrun's
environment (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``) before the
runner exists. The runner still gets ``launcher='pytorch'``, finds the process group
already initialised and skips ``init_dist``; the DDP wrapper is configured with
``device_ids=None``, as DDP requires for CPU modules.
"""
import datetime
import os

import torch.distributed as torch_dist
from mmengine.config import Config

LAUNCHERS = ('none', 'pytorch')
_TORCHRUN_ENV = ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT', 'LOCAL_RANK')


def setup_launcher(cfg: Config, launcher: str, device: str) -> None:
    """Set ``cfg.launcher`` and prepare distributed training for ``device``.

    Args:
        cfg: The config, changed in place (``launcher``; for CPU also
            ``env_cfg.dist_cfg.backend`` and ``model_wrapper_cfg``).
        launcher: ``'none'`` or ``'pytorch'`` (processes started by ``torchrun``).
        device: ``'cpu'`` or ``'cuda'``.

    Raises:
        ValueError: For an unknown launcher.
        RuntimeError: For ``'pytorch'`` outside ``torchrun`` (its variables are missing).
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f'launcher must be one of {LAUNCHERS}, got {launcher!r}')
    cfg.launcher = launcher
    if launcher == 'none':
        return
    missing = [name for name in _TORCHRUN_ENV if name not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher pytorch expects the variables set by torchrun, missing {missing}; '
                           'start with `torchrun --nproc_per_node N tools/train.py CONFIG --launcher pytorch`.')
    if device == 'cuda':
        return
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        timeout = dist_cfg.get('timeout')
        torch_dist.init_process_group(
            backend='gloo', init_method='env://',
            timeout=None if timeout is None else datetime.timedelta(seconds=timeout))
    wrapper = dict(type='MMDistributedDataParallel', broadcast_buffers=False,
                   find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper.update(cfg.get('model_wrapper_cfg') or {})
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
