"""The command-line options every tool shares, declared once, and the one device resolver.

After BasicSR's ``basicsr/utils/options.py:parse_options``: a tool asks :func:`tool_parser`
for the shared options it takes and adds only its own arguments::

    parser = tool_parser('Train a deraining model.', 'device', 'precision', 'cfg_options', 'launcher')
    parser.add_argument('config')
    args = parser.parse_args(argv)
    device = tool_device(args.device)     # 'cpu' or 'cuda'

The shared options and their defaults:

* ``--device auto|cpu|cuda`` (``auto``: CUDA when torch sees a GPU, else the CPU).
* ``--precision auto|fp32|bf16|fp16`` (``auto``: bf16 autocast where the device runs it
  natively, else fp32; :mod:`derain_toolkit.engine.precision`).
* ``--cfg-options KEY=VALUE ...`` (none): overrides merged into the config.
* ``--launcher none|pytorch`` (``none``; :mod:`derain_toolkit.engine.launcher`).

``--device cpu`` on a GPU machine must hide the GPUs before torch and mmengine are
imported (mmengine fixes its device at import); the tools do it on their first line
(``tools/_bootstrap.py``) and :func:`tool_device` checks that it was done.
"""
import argparse
import os
from typing import Optional, Union

import torch
from mmengine.config import DictAction

from derain_toolkit.engine.launcher import LAUNCHERS
from derain_toolkit.engine.precision import PRECISIONS

DEVICES = ('auto', 'cpu', 'cuda')

_SHARED = {
    'device': (('--device',), dict(choices=DEVICES, default='auto',
                                   help='auto (default): CUDA when available, else the CPU')),
    'precision': (('--precision',), dict(choices=PRECISIONS, default='auto',
                                         help='auto (default): bf16 autocast where the device runs bf16 natively, '
                                         'else fp32; fp32, bf16 or fp16 (CUDA) to force one')),
    'cfg_options': (('--cfg-options',), dict(nargs='+', action=DictAction, default={}, metavar='KEY=VALUE',
                                             help='override config entries, e.g. train_cfg.max_iters=100')),
    'launcher': (('--launcher',), dict(choices=LAUNCHERS, default='none', help='job launcher (default none)')),
}


def tool_parser(description: str, *shared: str, **parser_kwargs) -> argparse.ArgumentParser:
    """An ``ArgumentParser`` with the shared options ``shared`` already declared.

    Args:
        description: The tool's one-line description.
        *shared: Names of shared options, any of ``'device'``, ``'precision'``,
            ``'cfg_options'``, ``'launcher'``.
        **parser_kwargs: Passed to ``argparse.ArgumentParser`` (``formatter_class``...).

    Raises:
        ValueError: An unknown shared option name.
    """
    unknown = [name for name in shared if name not in _SHARED]
    if unknown:
        raise ValueError(f'unknown shared option(s) {unknown}; the shared options are {sorted(_SHARED)}')
    parser = argparse.ArgumentParser(description=description, **parser_kwargs)
    for name in shared:
        flags, options = _SHARED[name]
        parser.add_argument(*flags, **options)
    return parser


def resolve_device(device: Union[str, torch.device, None] = 'auto') -> torch.device:
    """Resolve a device request: ``'auto'``/``None`` is CUDA when available, else the CPU.

    Args:
        device: ``'auto'``, ``None``, ``'cpu'``, ``'cuda'``, ``'cuda:N'`` or a ``torch.device``.

    Raises:
        ValueError: Not a CPU or CUDA device.
        RuntimeError: A CUDA device was requested but torch sees none.
    """
    cuda = torch.cuda.is_available()
    if device is None or str(device) == 'auto':
        return torch.device('cuda' if cuda else 'cpu')
    try:
        resolved = torch.device(device)
    except RuntimeError as error:
        raise ValueError(f'device must be one of {DEVICES} (or cuda:N), got {device!r}') from error
    if resolved.type not in ('cpu', 'cuda'):
        raise ValueError(f'device must be one of {DEVICES} (or cuda:N), got {device!r}')
    if resolved.type == 'cuda' and not cuda:
        raise RuntimeError(f'device {device} was requested but torch sees no CUDA device '
                           f'(CUDA_VISIBLE_DEVICES={os.environ.get("CUDA_VISIBLE_DEVICES")!r}); '
                           'use --device cpu or auto, or make a GPU visible.')
    return resolved


def tool_device(device: Optional[str] = 'auto') -> str:
    """A tool's ``--device`` as ``'cpu'`` or ``'cuda'``, checked against what mmengine will use.

    Raises:
        ValueError, RuntimeError: As :func:`resolve_device`; also ``'cpu'`` while CUDA is
            still visible (``CUDA_VISIBLE_DEVICES`` was not emptied before torch saw CUDA,
            so mmengine would run on the GPU).
    """
    resolved = resolve_device(device).type
    if resolved == 'cpu' and torch.cuda.is_available():
        raise RuntimeError("--device cpu was requested but CUDA is visible: set CUDA_VISIBLE_DEVICES='' "
                           'before torch/mmengine are imported (tools/_bootstrap.py does this for the tools).')
    return resolved
