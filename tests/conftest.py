"""Suite-wide settings and fixtures.

One torch thread per process: several tests start subprocesses (the tools, a 2-process
torchrun); with torch's default thread count they oversubscribe the cores and run many
times slower.

One CPU for every test: ``--precision auto`` resolves as on a CPU without native bfloat16
(AVX2), whatever machine runs the suite; the tests of the other branch patch the CPU again
(``cpu_with_native_bf16``). A test never reads the real machine to decide what it asserts.

Tests marked ``long`` (tens of seconds each) are collected first; with pytest-xdist handing out one
test at a time (``--maxschedchunk 1``, as ``scripts/test.sh`` runs it) they spread over the workers
instead of ending the run on one of them (by default xdist hands out consecutive chunks, and the
first chunk would hold every long test).

Fixtures shared across folders: ``load_tool`` (a script of ``tools/`` as a module) and
``promptir_recipe_state`` (the tiny official PromptIR's weights, which the fixtures hold as
a recipe, not a file).
"""
import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable

import numpy as np
import pytest
import torch

from derain_toolkit.engine import precision as precision_module

torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / 'tools'
PROMPTIR_RECIPE = REPO / 'tests' / 'fixtures' / 'official' / 'promptir_tiny_recipe.json'
_GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``long`` first, the rest in their order (a stable sort)."""
    items.sort(key=lambda item: item.get_closest_marker('long') is None)


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


AVX2_FLAGS = frozenset({'fpu', 'sse4_2', 'avx', 'avx2', 'fma'})
_READ_CPU_FLAGS = precision_module.cpu_flags


def _pin_cpu(monkeypatch: pytest.MonkeyPatch, flags: frozenset, capability: str) -> None:
    """``/proc/cpuinfo`` reads as ``flags`` and torch reports ``capability`` (other files are read)."""
    monkeypatch.setattr(precision_module, 'cpu_flags',
                        lambda path=None: set(flags) if path is None else _READ_CPU_FLAGS(path))
    monkeypatch.setattr(torch.backends.cpu, 'get_cpu_capability', lambda: capability)


@pytest.fixture(autouse=True)
def cpu_without_native_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs on an AVX2 CPU as far as ``--precision auto`` can tell."""
    _pin_cpu(monkeypatch, AVX2_FLAGS, 'AVX2')


@pytest.fixture
def cpu_with_native_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    """The other branch: a CPU with AVX-512 BF16 (what an AMD EPYC Zen 4 reports)."""
    _pin_cpu(monkeypatch, AVX2_FLAGS | {'avx512f', 'avx512_bf16'}, 'AVX512')


def _splitmix64(seed: int, count: int) -> np.ndarray:
    """Outputs 1..count of splitmix64 started at ``seed`` (uint64 arithmetic wraps mod 2**64)."""
    with np.errstate(over='ignore'):
        z = np.uint64(seed) + np.arange(1, count + 1, dtype=np.uint64) * np.uint64(_GOLDEN_GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _recipe_tensor(key: str, spec: dict) -> torch.Tensor:
    """One tensor of the recipe: offset + scale * (2q - 255) / 256, q the top byte of each output."""
    assert int(spec['seed']) == int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], 'little')
    count = int(np.prod(spec['shape']))
    top_byte = (_splitmix64(int(spec['seed']), count) >> np.uint64(56)).astype(np.float32)
    values = np.float32(spec['offset']) + np.float32(spec['scale']) * ((2 * top_byte - 255) / 256)
    values = values.astype('<f4').reshape(spec['shape'])
    assert hashlib.sha256(values.tobytes()).hexdigest() == spec['sha256_float32_le'], key
    return torch.from_numpy(values)


@pytest.fixture(scope='module')
def promptir_recipe_state() -> dict[str, torch.Tensor]:
    """The official state dict (bare ``PromptIR`` keys) of the tiny official PromptIR, rebuilt from
    ``promptir_tiny_recipe.json`` with every sha256 checked (fixtures README, section promptir).

    16.5 M parameters: module scope, so each module that needs it builds it once and frees it after.
    """
    recipe = json.loads(PROMPTIR_RECIPE.read_text())
    return {key: _recipe_tensor(key, spec) for key, spec in recipe['keys'].items()}
