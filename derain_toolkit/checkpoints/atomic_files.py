"""Write files so that a crash leaves either the old file or the new one, never half of one.

Each write goes to ``<path>.tmp``, is flushed to disk and renamed onto ``<path>``
(``os.replace`` is atomic on POSIX and Windows). Used by the checkpoint hook and by
``tools/convert_checkpoint.py``.
"""
import os
from typing import Any

import torch

TMP_SUFFIX = '.tmp'


def fsync_file(path: str) -> None:
    """Flush the file ``path`` to disk."""
    with open(path, 'rb+') as handle:
        os.fsync(handle.fileno())


def replace_text_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a flushed temporary file."""
    tmp_path = path + TMP_SUFFIX
    with open(tmp_path, 'w') as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp_path, path)


def save_atomically(obj: Any, path: str | os.PathLike) -> None:
    """``torch.save(obj)`` to ``path`` through a flushed temporary file (removed if the save fails)."""
    path = os.fspath(path)
    tmp_path = path + TMP_SUFFIX
    try:
        torch.save(obj, tmp_path)
        fsync_file(tmp_path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise
    os.replace(tmp_path, path)
