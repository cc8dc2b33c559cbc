"""Shared helpers of the tool tests (``load_tool`` is suite-wide, in ``tests/conftest.py``)."""
import runpy
import sys
from pathlib import Path
from typing import Callable

import pytest
import torch

TOOLS = Path(__file__).resolve().parents[2] / 'tools'


@pytest.fixture
def one_thread():
    """Run torch on one thread: on 2 shared cores this is faster than two contending threads."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def run_as_script(monkeypatch) -> Callable[[str, list[str]], str]:
    """``run_as_script('test', argv)``: ``tools/test.py`` run as ``__main__`` in this process, expected to exit
    with a message (``sys.exit(message)``: one line on stderr, status 1); returns the message."""

    def run(tool: str, argv: list[str]) -> str:
        monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '')  # tools/_bootstrap.py sets it for --device cpu
        monkeypatch.setattr(sys, 'argv', [f'{tool}.py', *argv])
        monkeypatch.syspath_prepend(str(TOOLS))
        with pytest.raises(SystemExit) as exit_info:
            runpy.run_path(str(TOOLS / f'{tool}.py'), run_name='__main__')
        return str(exit_info.value.code)

    return run
