"""Shared helpers of the tool tests: load a script of ``tools/`` as a module."""
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest
import torch

TOOLS = Path(__file__).resolve().parents[2] / 'tools'


@pytest.fixture
def load_tool() -> Callable[[str], ModuleType]:
    """``load_tool('train')`` -> ``tools/train.py`` as a module (its ``main(argv)`` runs in-process)."""

    def load(name: str) -> ModuleType:
        sys.path.insert(0, str(TOOLS))
        try:
            spec = importlib.util.spec_from_file_location(f'tool_{name}', TOOLS / f'{name}.py')
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(str(TOOLS))
        return module

    return load


@pytest.fixture
def one_thread():
    """Run torch on one thread: on 2 shared cores this is faster than two contending threads."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
