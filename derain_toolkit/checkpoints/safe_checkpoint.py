"""Load mmengine checkpoints on torch >= 2.6 without giving up ``weights_only``.

mmengine 0.10.7 reads local checkpoints with ``torch.load(filename, map_location)``.
Since torch 2.6 that means ``weights_only=True``, and a training checkpoint holds
more than tensors: the message hub's ``HistoryBuffer`` objects (with numpy arrays and
bound methods of the buffer) and numpy scalars such as the best validation score.
Resuming then fails with ``Unsupported global: mmengine.logging.history_buffer.HistoryBuffer``.

The fix lives here, beside the other checkpoint readers, and only here: :func:`register_safe_checkpoint_loader` replaces
mmengine's local-file loader (the ``''`` scheme of ``CheckpointLoader``, mmengine's own
extension point) by :func:`load_local_checkpoint`, which keeps ``weights_only=True``
and allow-lists exactly the globals listed in :data:`CHECKPOINT_SAFE_GLOBALS`, only for
the duration of the load (no process-wide ``add_safe_globals``; in particular
``builtins.getattr``, which pickled bound methods need, is never allowed globally).
``derain_toolkit/__init__.py`` imports this module, so every load through mmengine
(``load_from``, ``resume``, ``load_checkpoint``) uses it once the toolkit is imported.

A file that cannot be read (truncated by a kill or a full disk, zeroed, not a checkpoint,
or holding objects outside the allow-list) raises :class:`CorruptCheckpointError`: one line
naming the file and what torch found, without torch's advice to load with
``weights_only=False`` (issue 17).
"""
import builtins
import os.path as osp
import pickle
import re
from typing import Any, Optional

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from derain_toolkit.errors import InputError

_NUMPY_DTYPES = (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                 np.uint32, np.uint64, np.float16, np.float32, np.float64, np.complex64,
                 np.complex128)

CHECKPOINT_SAFE_GLOBALS: list[Any] = [
    HistoryBuffer,                      # message_hub log_scalars
    builtins.getattr,                   # HistoryBuffer.statistics_methods (bound methods)
    np._core.multiarray._reconstruct,   # numpy arrays inside HistoryBuffer
    np._core.multiarray.scalar,         # numpy scalars (e.g. best PSNR in runtime info)
    np.ndarray,
    np.dtype,
    *[type(np.dtype(t)) for t in _NUMPY_DTYPES],  # numpy.dtypes.Float64DType, ...
]


class CorruptCheckpointError(InputError, ValueError):
    """A checkpoint file exists but cannot be read as a checkpoint; the message names it."""


# Lines of torch's load errors that advise rather than describe (weights_only=False, filing an issue).
_ADVICE = re.compile(r'weights.only|please file an issue|check the documentation|internal miniz error|'
                     r'if you are seeing this error|this can happen if|trusted source', re.IGNORECASE)


def _what_torch_found(error: BaseException) -> str:
    """The descriptive part of a ``torch.load`` error, on one line."""
    sentences = [part.strip(' :.') for line in str(error).splitlines() for part in re.split(r'(?<=\.) ', line)]
    kept = [part for part in sentences if part and not _ADVICE.search(part)]
    return '; '.join(kept) or type(error).__name__


def load_local_checkpoint(filename: str, map_location: Optional[Any] = None) -> Any:
    """Load a local checkpoint with ``weights_only=True`` and mmengine's globals allowed.

    Args:
        filename: Path of the checkpoint file (``~`` is expanded).
        map_location: Same as in :func:`torch.load`.

    Returns:
        The unpickled checkpoint (usually a dict with ``state_dict``, ``meta``, ...).

    Raises:
        FileNotFoundError: If ``filename`` is not a file.
        CorruptCheckpointError: If the file cannot be unpickled as a checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'Checkpoint {filename!r} not found: expected a file written by tools/train.py '
            '(e.g. work_dirs/<config>/iter_<N>.pth); check the path.')
    try:
        with torch.serialization.safe_globals(CHECKPOINT_SAFE_GLOBALS):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except (RuntimeError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, TypeError) as error:
        raise CorruptCheckpointError(
            f'Checkpoint {filename!r} cannot be read ({_what_torch_found(error)}): expected a complete .pth file '
            'written by tools/train.py (a kill or a full disk while saving leaves a truncated file; objects other '
            'than weights and training state are refused for safety). Fix: use another checkpoint, e.g. the '
            'previous iter_<N>.pth of the work dir') from None


def register_safe_checkpoint_loader() -> None:
    """Make :func:`load_local_checkpoint` mmengine's loader for local paths."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)


register_safe_checkpoint_loader()
