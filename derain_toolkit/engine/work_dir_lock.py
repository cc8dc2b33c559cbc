"""One training per work dir: a lock file naming the run that holds it (issue 17).

Two trainings writing into one ``--work-dir`` rotate away each other's checkpoints
(``max_keep_ckpts``) and, started in the same second, share one log folder. While a run
trains, ``WORK_DIR/train.lock`` holds its host, process id, the process's start time and
its command line; a second run into the same folder is refused with those details.

A lock is stale, and is replaced with a warning, when it was written on this host and its
process is gone (or the process id now belongs to a later process: the start times
differ), e.g. after ``kill -9``: ``--resume`` after a kill just works. A lock from another
host cannot be checked from here; the message says to delete it once that run is over.
Under a distributed launcher only rank 0 takes the lock (the ranks of one run share it).
"""
import json
import os
import os.path as osp
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Callable, Optional

from derain_toolkit.errors import InputError

LOCK_NAME = 'train.lock'


class WorkDirBusyError(InputError, RuntimeError):
    """Another training holds the lock of the work dir."""


def _process_start(pid: int) -> Optional[str]:
    """The start time of process ``pid`` in clock ticks since boot (``/proc``), ``None`` if unknown or gone."""
    try:
        with open(f'/proc/{pid}/stat') as handle:
            return handle.read().rsplit(')', 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder_is_gone(holder: dict) -> bool:
    """Whether the process named by a lock of this host has ended (or its pid was reused)."""
    pid = int(holder.get('pid', -1))
    if pid <= 0 or not _alive(pid):
        return True
    started = _process_start(pid)
    return holder.get('started') is not None and started is not None and started != holder['started']


def _read(path: str) -> dict:
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def _describe(holder: dict) -> str:
    since = time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(holder['time'])) if 'time' in holder else '?'
    return (f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')} since {since}: "
            f"{holder.get('command', '?')}")


def acquire(work_dir: str, warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr)) -> str:
    """Take the lock of ``work_dir`` (created if needed) for this process; return the lock file's path.

    Raises:
        WorkDirBusyError: A live run (or one on another host) holds it.
    """
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_NAME)
    record = dict(host=socket.gethostname(), pid=os.getpid(), started=_process_start(os.getpid()),
                  time=time.time(), command=' '.join(sys.argv))
    tmp_path = f'{path}.{os.getpid()}.tmp'
    with open(tmp_path, 'w') as handle:
        json.dump(record, handle)
    try:
        for _ in range(2):
            try:
                os.link(tmp_path, path)  # atomic: fails when the lock exists
                return path
            except FileExistsError:
                holder = _read(path)
            if holder.get('host') != record['host'] or not _holder_is_gone(holder):
                where = 'on this host' if holder.get('host') == record['host'] else 'on another host'
                raise WorkDirBusyError(
                    f'work dir {work_dir} is in use by another training {where} ({_describe(holder)}; lock file '
                    f'{path}). Fix: wait for it to end, or train into another --work-dir'
                    + ('' if where == 'on this host' else f'; if that run is over, delete {path}'))
            warn(f'work dir {work_dir}: replacing the stale lock of a run that is gone ({_describe(holder)})')
            os.remove(path)
        raise WorkDirBusyError(f'work dir {work_dir}: another run took the lock {path} while a stale one was '
                               'replaced; try again')
    finally:
        os.remove(tmp_path)


def release(path: str) -> None:
    """Remove the lock file ``path`` if it is still this process's."""
    if _read(path).get('pid') == os.getpid() and _read(path).get('host') == socket.gethostname():
        os.remove(path)


@contextmanager
def work_dir_lock(work_dir: str, rank: Optional[int] = None) -> Iterator[Optional[str]]:
    """Hold the lock of ``work_dir`` for the block (rank 0 only; ``rank`` defaults to ``$RANK`` or 0)."""
    rank = int(os.environ.get('RANK', 0)) if rank is None else rank
    if rank != 0:
        yield None
        return
    path = acquire(work_dir)
    try:
        yield path
    finally:
        release(path)
