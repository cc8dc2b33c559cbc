"""Turn the command-line switches of ``tools/train.py``/``tools/test.py`` into config changes.

Device selection has two halves. mmengine fixes its device when ``mmengine.device`` is
first imported (``DEVICE = 'cuda' if torch.cuda.is_available() ...``) and CUDA reads
``CUDA_VISIBLE_DEVICES`` once, so ``--device cpu`` on a GPU machine must hide the GPUs
before torch or mmengine are imported: the tools do it with
``tools/_bootstrap.hide_gpus_if_cpu_requested`` on their first lines. Here,
:func:`select_device` resolves ``'auto'`` and checks that the request was honoured.
"""
import os

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from derain_toolkit.registry import DATASETS, SCOPE

DEVICES = ('auto', 'cpu', 'cuda')


def select_device(device: str = 'auto') -> str:
    """Resolve a ``--device`` value to ``'cpu'`` or ``'cuda'``.

    Args:
        device: ``'auto'`` (CUDA when available), ``'cpu'`` or ``'cuda'``.

    Returns:
        ``'cpu'`` or ``'cuda'``.

    Raises:
        ValueError: For an unknown ``device``.
        RuntimeError: For ``'cuda'`` without a GPU, or ``'cpu'`` while GPUs are still
            visible (``CUDA_VISIBLE_DEVICES`` was not emptied before torch saw CUDA).
    """
    if device not in DEVICES:
        raise ValueError(f'device must be one of {DEVICES}, got {device!r}')
    cuda = torch.cuda.is_available()
    if device == 'auto':
        return 'cuda' if cuda else 'cpu'
    if device == 'cuda' and not cuda:
        raise RuntimeError('--device cuda was requested but torch sees no CUDA device '
                           f'(CUDA_VISIBLE_DEVICES={os.environ.get("CUDA_VISIBLE_DEVICES")!r}); '
                           'use --device cpu or auto, or make a GPU visible.')
    if device == 'cpu' and cuda:
        raise RuntimeError("--device cpu was requested but CUDA is visible: set CUDA_VISIBLE_DEVICES='' "
                           'before torch/mmengine are imported (tools/_bootstrap.py does this for the tools).')
    return device


def enable_amp(cfg: Config, device: str) -> None:
    """Switch ``cfg.optim_wrapper`` to mixed precision on ``device``.

    CUDA: mmengine's ``AmpOptimWrapper``, float16 autocast with a dynamic loss scale
    (a ``dtype`` or ``loss_scale`` already in the config wins). CPU: mmengine's wrapper
    refuses to run without a GPU, so ``CPUAmpOptimWrapper`` autocasts to bfloat16
    (no loss scale needed). Other options of the wrapper (``clip_grad``, ...) are kept.

    Args:
        cfg: The config, changed in place.
        device: ``'cpu'`` or ``'cuda'`` (from :func:`select_device`).
    """
    optim_wrapper = cfg.optim_wrapper
    if device == 'cuda':
        optim_wrapper.type = 'AmpOptimWrapper'
        optim_wrapper.setdefault('dtype', 'float16')
        optim_wrapper.setdefault('loss_scale', 'dynamic')
    else:
        optim_wrapper.type = 'CPUAmpOptimWrapper'
        for cuda_only in ('dtype', 'loss_scale'):
            optim_wrapper.pop(cuda_only, None)


def check_datasets(cfg: Config, splits: tuple[str, ...]) -> None:
    """Build the datasets of ``{split}_dataloader`` now, so a missing dataset fails at once.

    The runner builds its model (and CLIP, for CLIP-RPN) long before its dataloaders;
    building the datasets first surfaces a dataset's own error (e.g. the expected
    folder layout) before any of that work. A ``test_dataloader`` given as
    ``{name: dataloader}`` (``MultiDatasetTestLoop``) is checked set by set.

    Args:
        cfg: The full config.
        splits: Any of ``'train'``, ``'val'``, ``'test'``; absent dataloaders are skipped.
    """
    init_default_scope(cfg.get('default_scope', SCOPE))
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        loaders = [loader] if 'dataset' in loader else list(loader.values())
        for each in loaders:
            if isinstance(each.get('dataset'), dict):
                DATASETS.build(each['dataset'])
