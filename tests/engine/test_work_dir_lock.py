"""One training per work dir: a second is refused with the holder's details; a dead holder's lock is replaced."""
import json
import os
import runpy
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from derain_toolkit.engine import work_dir_lock as lock_module
from derain_toolkit.engine.work_dir_lock import LOCK_NAME, WorkDirBusyError, acquire, release, work_dir_lock

REPO = Path(__file__).resolve().parents[2]
TINY = str(REPO / 'configs' / 'restormer_tiny_synthetic.py')


def _write_lock(work_dir: Path, **fields) -> Path:
    work_dir.mkdir(parents=True, exist_ok=True)
    record = dict(host=socket.gethostname(), pid=os.getpid(), started=None, time=0.0, command='tools/train.py X')
    record.update(fields)
    (work_dir / LOCK_NAME).write_text(json.dumps(record))
    return work_dir / LOCK_NAME


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, '-c', 'pass'])
    process.wait()
    return process.pid


def test_second_run_is_refused_and_the_lock_goes_with_the_first(tmp_path):
    with work_dir_lock(str(tmp_path), rank=0) as path:
        assert json.loads(Path(path).read_text())['pid'] == os.getpid()
        with pytest.raises(WorkDirBusyError) as error:
            acquire(str(tmp_path))
        message = str(error.value)
        assert f'pid {os.getpid()} on host {socket.gethostname()}' in message and str(tmp_path / LOCK_NAME) in message
        assert 'another --work-dir' in message
    assert not (tmp_path / LOCK_NAME).exists()
    assert sorted(os.listdir(tmp_path)) == []  # no temporary file left either


def test_lock_of_a_dead_process_is_replaced_with_a_warning(tmp_path):
    _write_lock(tmp_path, pid=_dead_pid())
    warnings = []
    path = acquire(str(tmp_path), warn=warnings.append)
    assert json.loads(Path(path).read_text())['pid'] == os.getpid()
    assert len(warnings) == 1 and 'stale lock' in warnings[0]
    release(path)


def test_reused_pid_is_recognised_by_its_start_time(tmp_path):
    _write_lock(tmp_path, pid=os.getpid(), started='1')  # our pid, but a process started at another time
    path = acquire(str(tmp_path), warn=lambda line: None)
    assert json.loads(Path(path).read_text())['started'] == lock_module._process_start(os.getpid())
    release(path)


def test_live_holder_and_other_host_are_refused(tmp_path):
    sleeper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
    try:
        _write_lock(tmp_path / 'here', pid=sleeper.pid, started=lock_module._process_start(sleeper.pid))
        with pytest.raises(WorkDirBusyError, match=f'pid {sleeper.pid} on host'):
            acquire(str(tmp_path / 'here'))
    finally:
        sleeper.kill()
        sleeper.wait()
    _write_lock(tmp_path / 'there', host='another-machine', pid=_dead_pid())
    with pytest.raises(WorkDirBusyError, match=r'on another host .* delete .*train\.lock'):
        acquire(str(tmp_path / 'there'))


def test_only_rank_zero_takes_the_lock(tmp_path):
    with work_dir_lock(str(tmp_path), rank=1) as path:
        assert path is None and not (tmp_path / LOCK_NAME).exists()


def test_train_tool_refuses_a_busy_work_dir_in_one_line(tmp_path, monkeypatch, capsys):
    sleeper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '')  # tools/_bootstrap.py sets it for --device cpu
    monkeypatch.setattr(sys, 'argv', ['train.py', TINY, '--device', 'cpu', '--work-dir', str(tmp_path)])
    monkeypatch.syspath_prepend(str(REPO / 'tools'))
    try:
        _write_lock(tmp_path, pid=sleeper.pid, started=lock_module._process_start(sleeper.pid))
        with pytest.raises(SystemExit) as exit_info:
            runpy.run_path(str(REPO / 'tools' / 'train.py'), run_name='__main__')
    finally:
        sleeper.kill()
        sleeper.wait()
    message = str(exit_info.value.code)  # sys.exit(message): printed as one line, exit status 1
    assert message.startswith('train.py: work dir') and f'pid {sleeper.pid}' in message and '\n' not in message
    assert sorted(os.listdir(tmp_path)) == [LOCK_NAME]  # refused before the preflight and the runner
