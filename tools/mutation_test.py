"""Mutation testing: break the toolkit on purpose, one small edit at a time, and check the tests notice.

Each *mutant* is one AST-level edit of a module (an operator swapped, a constant changed,
an activation dropped, ``torch.cat`` arguments reversed, ...). The tests that cover the
module run against it with ``pytest -x -q``: a failure *kills* the mutant, a pass means it
*survived* (the tests cannot tell the broken code from the real one), and a run past the
time limit counts as a *timeout* (killed: an infinite loop is noticed). The mutation score
of a module is (killed + timeout) / mutants run.

Mutation operators (``--kinds`` selects some; names as printed in the report):

- ``binop``: ``+ <-> -``, ``* <-> /``, ``// -> /``, ``% -> //``, ``** -> *`` (also ``+=``...);
- ``swap-operands``: ``a - b -> b - a`` for ``-``, ``/``, ``//``, ``%``, ``**`` and ``@``;
- ``drop-operand``: ``a + b -> a`` and ``-> b``, ``a * b -> a`` and ``-> b`` (a residual
  add, a gate);
- ``compare``: ``< <-> <=``, ``> <-> >=``, ``== <-> !=``, ``is <-> is not``, ``in <-> not in``;
- ``boolop``: ``and <-> or``; ``negate``: ``if x`` -> ``if not (x)``, ``not x -> x``, ``-x -> x``;
- ``constant``: an integer n -> n + 1 (-n -> -n - 1), a float x -> 2x (0.0 -> 1.0),
  ``True <-> False``; ``dim``: the same on a ``dim=``/``axis=`` keyword (softmax, normalize,
  cat, mean...);
- ``drop-call``: ``f(x, ...) -> x`` (an activation, a normalisation, a sub-module);
  ``drop-method``: ``x.softmax(...) -> x`` and likewise for value-changing methods;
- ``activation``: ``GELU <-> ReLU``, ``SiLU -> ReLU``, and an activation module -> ``Identity``;
- ``swap-args``: the first two positional arguments of a call swapped;
  ``swap-cat``: the tensors of ``torch.cat``/``torch.stack`` reversed;
- ``swap-unpack``: ``a, b = ... -> b, a = ...``; ``drop-stmt``: a bare call statement -> ``pass``.

Not mutated: docstrings, type annotations, ``raise`` statements, f-strings, warnings and
prints (messages, not behaviour), and lines ending in ``# pragma: no mutate``.

Which tests run: ``tests/<mirror folder>/test_<stem>*.py`` first (quickest to kill), then
every other test file that names the module (its dotted path or one of its public
names, e.g. ``type='MGCA'``), then those naming a module that imports it directly.
``--exclude-tests`` leaves out slow folders (by default the subprocess-driven
``tests/tools`` and ``tests/reproduce``, and ``tests/configs``, which builds every
config: together 3 of the suite's 4 minutes; ``--exclude-tests`` with no value keeps them).

How it runs: the repository is copied once per job into a temporary sandbox (files git
tracks or does not ignore, no ``__pycache__``); heavy third-party modules (torch,
mmengine, open_clip, pytest) are imported once, and each mutant runs in a forked child
that writes the mutated file into its sandbox and calls ``pytest.main`` there, so the
checkout is never modified and a mutant costs its tests, not a fresh interpreter.
Bytecode is not written (a same-size mutant written in the same second must not reuse a
stale ``.pyc``). Linux only (``os.fork``).

Known-equivalent survivors can be listed in ``--equivalents`` (default
``tools/mutation_equivalents.txt``): lines ``path :: mutated source line :: why``. They
are reported apart and the "behaviour score" leaves them out.

Examples (run from the repository root; ``nice`` on a shared machine)::

    python tools/mutation_test.py --list --paths derain_toolkit/models/attention/mgca.py
    python tools/mutation_test.py --paths derain_toolkit/models/attention/mgca.py --jobs 2
    python tools/mutation_test.py --max-mutants 30 --seed 0 --json mutation.json
"""
import argparse
import ast
import copy
import fnmatch
import gc
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Optional

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATHS = ('derain_toolkit/models', 'derain_toolkit/evaluation', 'derain_toolkit/datasets/transforms.py')
DEFAULT_EXCLUDED_TESTS = ('tests/tools', 'tests/reproduce', 'tests/configs')
DEFAULT_EQUIVALENTS = 'tools/mutation_equivalents.txt'
PRELOAD = ('numpy', 'torch', 'torch.nn.functional', 'torchvision', 'mmengine', 'mmengine.model',
           'mmengine.runner', 'mmengine.evaluator', 'mmengine.dataset', 'open_clip', 'timm', 'cv2',
           'PIL.Image', 'pytest', 'anyio.pytest_plugin')

_BINOP_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
                ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult}
_NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)
_COMPARE_SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                  ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
_ACTIVATION_SWAPS = {'GELU': 'ReLU', 'ReLU': 'GELU', 'SiLU': 'ReLU', 'LeakyReLU': 'ReLU',
                     'gelu': 'relu', 'relu': 'gelu', 'silu': 'relu', 'leaky_relu': 'relu'}
_ACTIVATION_MODULES = {'GELU', 'ReLU', 'SiLU', 'LeakyReLU', 'Sigmoid', 'Tanh'}
_VALUE_METHODS = {'abs', 'clamp', 'clamp_', 'clip', 'sqrt', 'exp', 'log', 'sigmoid', 'softmax', 'tanh', 'relu',
                  'round', 'floor', 'ceil', 'flip', 'transpose', 't', 'square', 'neg', 'pow', 'argsort'}
_CONCAT_FUNCS = {'cat', 'concat', 'concatenate', 'stack', 'hstack', 'vstack'}
_DIM_KEYWORDS = {'dim', 'axis', 'dims'}
# Calls whose removal is a type conversion or plumbing, not behaviour.
_KEEP_CALLS = {'super', 'len', 'range', 'isinstance', 'list', 'tuple', 'dict', 'set', 'int', 'float', 'str',
               'bool', 'zip', 'enumerate', 'sorted', 'getattr', 'hasattr', 'type', 'iter', 'next', 'open',
               'Path', 'deepcopy', 'contiguous', 'detach', 'clone', 'to', 'cpu', 'item', 'tolist'}
# Calls whose first two arguments commute: swapping them is equivalent.
_SYMMETRIC_CALLS = {'transpose', 'swapaxes', 'max', 'min', 'maximum', 'minimum', 'add', 'mul'}
_MESSAGE_CALLS = {'warn', 'print', 'debug', 'info', 'warning', 'error', 'print_log'}
_ATOMIC = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Constant)


@dataclass
class Mutant:
    """One edit of one file: bytes ``[start, end)`` of the UTF-8 source become ``replacement``."""

    path: str
    line: int
    kind: str
    start: int
    end: int
    original: str
    replacement: str
    status: str = 'pending'
    seconds: float = 0.0

    def apply(self, source: bytes) -> bytes:
        return source[:self.start] + self.replacement.encode() + source[self.end:]

    def describe(self) -> str:
        def short(text: str) -> str:
            text = ' '.join(text.split())
            return text if len(text) <= 90 else text[:87] + '...'

        return f'{self.path}:{self.line} [{self.kind}] `{short(self.original)}` -> `{short(self.replacement)}`'

    def mutated_line(self, source: bytes) -> str:
        """The mutated source line (stripped): how ``--equivalents`` names a mutant, robust to line shifts."""
        mutated = self.apply(source)
        line_start = source.rfind(b'\n', 0, self.start) + 1
        line_end = mutated.find(b'\n', line_start)
        return mutated[line_start:line_end if line_end >= 0 else None].decode().strip()


@dataclass
class ModuleResult:
    """Outcome of one module: counts by status, the survivors, and the baseline test run."""

    path: str
    tests: list[str]
    total_mutants: int
    baseline_seconds: float = 0.0
    mutants: list[Mutant] = field(default_factory=list)

    def count(self, *statuses: str) -> int:
        return sum(m.status in statuses for m in self.mutants)


# --------------------------------------------------------------------------------------------
# Mutant generation
# --------------------------------------------------------------------------------------------


def _func_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ''


def _numeric_literal(node: ast.AST) -> Optional[float]:
    """The value of ``3``, ``1.5`` or ``-1`` (bools excluded), else ``None``."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _numeric_literal(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    return None


def _bumped(value: float) -> float:
    if isinstance(value, int):
        return value + 1 if value >= 0 else value - 1
    return value * 2 if value else 1.0


class _MutantFinder:
    """Walks one module's AST and yields ``(node, replacement, kind)`` for every mutation."""

    def __init__(self, tree: ast.Module, source_lines: list[str]) -> None:
        self.tree = tree
        self.skip: set[int] = set()
        self._mark_skipped(tree, source_lines)

    def _mark_skipped(self, tree: ast.Module, source_lines: list[str]) -> None:
        def skip_subtree(node: Optional[ast.AST]) -> None:
            if node is not None:
                self.skip.update(id(n) for n in ast.walk(node))

        for node in ast.walk(tree):
            if isinstance(node, (ast.Raise, ast.JoinedStr, ast.Import, ast.ImportFrom)):
                skip_subtree(node)
            elif isinstance(node, ast.Call) and _func_name(node) in _MESSAGE_CALLS:
                skip_subtree(node)
            elif isinstance(node, ast.arg):
                skip_subtree(node.annotation)
            elif isinstance(node, ast.AnnAssign):
                skip_subtree(node.annotation)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                skip_subtree(node.returns)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    skip_subtree(first)  # docstring
            if (isinstance(node, ast.stmt) and node.lineno <= len(source_lines)
                    and source_lines[node.end_lineno - 1].rstrip().endswith('# pragma: no mutate')):
                skip_subtree(node)

    def mutations(self) -> Iterator[tuple[ast.AST, str, str]]:
        for node in ast.walk(self.tree):
            if id(node) in self.skip or not hasattr(node, 'lineno'):
                continue
            yield from self._of(node)

    def _of(self, node: ast.AST) -> Iterator[tuple[ast.AST, str, str]]:
        if isinstance(node, ast.BinOp):
            yield from self._binop(node)
        elif isinstance(node, ast.AugAssign) and type(node.op) in _BINOP_SWAPS:
            yield node, ast.unparse(_replaced(node, op=_BINOP_SWAPS[type(node.op)]())), 'binop'
        elif isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _COMPARE_SWAPS:
                    ops = list(node.ops)
                    ops[i] = _COMPARE_SWAPS[type(op)]()
                    yield node, _expr(_replaced(node, ops=ops)), 'compare'
        elif isinstance(node, ast.BoolOp):
            swapped = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            yield node, _expr(_replaced(node, op=swapped)), 'boolop'
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
            if _numeric_literal(node) is not None:
                yield from self._constant(node)
            else:
                yield node, _expr(node.operand), 'negate'
        elif isinstance(node, (ast.If, ast.IfExp, ast.While)) and not isinstance(node.test, (ast.Compare, ast.BoolOp)):
            if not (isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)):
                yield node.test, f'not ({ast.unparse(node.test)})', 'negate'
        elif isinstance(node, ast.Constant):
            yield from self._constant(node)
        elif isinstance(node, ast.Call):
            yield from self._call(node)
        elif isinstance(node, (ast.Assign, ast.For)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (isinstance(target, ast.Tuple) and len(target.elts) >= 2
                        and ast.unparse(target.elts[0]) != ast.unparse(target.elts[1])):
                    elts = [target.elts[1], target.elts[0], *target.elts[2:]]
                    yield target, ', '.join(ast.unparse(e) for e in elts), 'swap-unpack'
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            yield node, 'pass', 'drop-stmt'

    def _binop(self, node: ast.BinOp) -> Iterator[tuple[ast.AST, str, str]]:
        if type(node.op) in _BINOP_SWAPS:
            yield node, _expr(_replaced(node, op=_BINOP_SWAPS[type(node.op)]())), 'binop'
        if isinstance(node.op, _NON_COMMUTATIVE) and ast.unparse(node.left) != ast.unparse(node.right):
            yield node, _expr(_replaced(node, left=node.right, right=node.left)), 'swap-operands'
        if isinstance(node.op, (ast.Add, ast.Mult)):
            for operand in (node.left, node.right):
                if _numeric_literal(operand) is None:
                    yield node, _expr(operand), 'drop-operand'

    def _constant(self, node: ast.AST) -> Iterator[tuple[ast.AST, str, str]]:
        value = node.value if isinstance(node, ast.Constant) else None
        if isinstance(value, bool):
            yield node, str(not value), 'constant'
            return
        number = _numeric_literal(node)
        if number is None or (isinstance(node, ast.Constant) and id(node) in self._negated_constants()):
            return
        yield node, repr(_bumped(number)), 'dim' if id(node) in self._dim_values() else 'constant'

    def _negated_constants(self) -> set[int]:
        """Constants under a unary minus: mutated once, as the negative literal."""
        if not hasattr(self, '_negated'):
            self._negated = {id(n.operand) for n in ast.walk(self.tree)
                             if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub)}
        return self._negated

    def _dim_values(self) -> set[int]:
        if not hasattr(self, '_dims'):
            self._dims = {id(k.value) for n in ast.walk(self.tree) if isinstance(n, ast.Call)
                          for k in n.keywords if k.arg in _DIM_KEYWORDS}
        return self._dims

    def _call(self, node: ast.Call) -> Iterator[tuple[ast.AST, str, str]]:
        name = _func_name(node)
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        if name in _ACTIVATION_SWAPS:
            func = copy.deepcopy(node.func)
            if isinstance(func, ast.Attribute):
                func.attr = _ACTIVATION_SWAPS[name]
            else:
                func.id = _ACTIVATION_SWAPS[name]
            yield node, ast.unparse(_replaced(node, func=func, keywords=[])), 'activation'
        if name in _ACTIVATION_MODULES and not node.args and isinstance(node.func, ast.Attribute):
            yield node, ast.unparse(_replaced(node, func=_replaced(node.func, attr='Identity'), keywords=[])), \
                'activation'
        if name in _CONCAT_FUNCS and positional and isinstance(positional[0], (ast.List, ast.Tuple)):
            elts = positional[0].elts
            if len(elts) >= 2 and ast.unparse(elts[0]) != ast.unparse(elts[-1]):
                yield positional[0], ast.unparse(_replaced(positional[0], elts=elts[::-1])), 'swap-cat'
        if name in _KEEP_CALLS:
            return
        if self._is_function(node.func):
            if len(positional) == 1 and len(node.args) == 1 and name not in _ACTIVATION_MODULES:
                yield node, _expr(positional[0]), 'drop-call'
        elif isinstance(node.func, ast.Attribute) and name in _VALUE_METHODS:
            yield node, _expr(node.func.value), 'drop-method'
        if (len(positional) >= 2 and name not in _SYMMETRIC_CALLS
                and ast.unparse(positional[0]) != ast.unparse(positional[1])):
            args = [positional[1], positional[0], *node.args[2:]]
            yield node, ast.unparse(_replaced(node, args=args)), 'swap-args'

    def _is_function(self, func: ast.AST) -> bool:
        """``f(...)``, ``F.gelu(...)``, ``self.proj(...)``: a function or sub-module, not a tensor method."""
        while isinstance(func, ast.Attribute):
            func = func.value
        return isinstance(func, ast.Name) and (func.id == 'self' or func.id in self._imported_names())

    def _imported_names(self) -> set[str]:
        if not hasattr(self, '_imported'):
            self._imported = {(alias.asname or alias.name).split('.')[0] for n in ast.walk(self.tree)
                              if isinstance(n, (ast.Import, ast.ImportFrom)) for alias in n.names}
        return self._imported


def _replaced(node: ast.AST, **fields: object) -> ast.AST:
    new = copy.copy(node)
    for key, value in fields.items():
        setattr(new, key, value)
    return new


def _expr(node: ast.AST) -> str:
    """Source of ``node``, parenthesised unless it is atomic (safe in any expression position)."""
    text = ast.unparse(node)
    return text if isinstance(node, _ATOMIC) else f'({text})'


def find_mutants(path: str, source: bytes) -> list[Mutant]:
    """Every mutant of one file, in source order; each one compiles and changes the source."""
    text = source.decode()
    lines = text.splitlines()
    line_offsets = [0]
    for line in source.splitlines(keepends=True):
        line_offsets.append(line_offsets[-1] + len(line))
    finder = _MutantFinder(ast.parse(text), lines)
    mutants, seen = [], set()
    for node, replacement, kind in finder.mutations():
        start = line_offsets[node.lineno - 1] + node.col_offset  # col offsets count UTF-8 bytes
        end = line_offsets[node.end_lineno - 1] + node.end_col_offset
        original = source[start:end].decode()
        if replacement == original or (start, end, replacement) in seen:
            continue
        seen.add((start, end, replacement))
        mutant = Mutant(path, node.lineno, kind, start, end, original, replacement)
        try:
            compile(mutant.apply(source), path, 'exec')
        except SyntaxError:
            continue
        mutants.append(mutant)
    return sorted(mutants, key=lambda m: (m.start, m.end, m.kind, m.replacement))


# --------------------------------------------------------------------------------------------
# Which tests cover a module
# --------------------------------------------------------------------------------------------


def public_names(source: bytes) -> list[str]:
    """Top-level public classes and functions of a module."""
    return [n.name for n in ast.parse(source).body
            if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and not n.name.startswith('_')]


def importers(path: str) -> list[str]:
    """Modules of the package that import ``path`` directly (their tests exercise it too)."""
    dotted = '.'.join(Path(path).with_suffix('').parts)
    package = Path(path).parts[0]
    pattern = re.compile(rf'^\s*(from {re.escape(dotted)} import|import {re.escape(dotted)}\b)', re.MULTILINE)
    return [f.relative_to(REPO_ROOT).as_posix() for f in sorted((REPO_ROOT / package).rglob('*.py'))
            if pattern.search(f.read_text())]


def _naming_pattern(path: str) -> re.Pattern:
    """A test names ``path`` when it has its dotted name or one of its public names (``type='MGCA'``)."""
    dotted = '.'.join(Path(path).with_suffix('').parts)
    names = public_names((REPO_ROOT / path).read_bytes())
    return re.compile('|'.join([re.escape(dotted)] + [rf'\b{re.escape(n)}\b' for n in names]))


def tests_for(path: str, test_files: list[Path], excluded: tuple[str, ...]) -> list[str]:
    """Mirror tests (``tests/<folder>/test_<stem>*.py``) first, then tests naming the module, then
    tests naming a module that imports it (e.g. ``RainMaskHead`` is tested through ``CLIPRPN``)."""
    module = Path(path)
    mirror_dir = Path('tests', *module.parts[1:-1])
    stem = module.stem.lstrip('_')
    own = _naming_pattern(path)
    users = [_naming_pattern(user) for user in importers(path)]
    mirror, naming, using = [], [], []
    for test in test_files:
        rel = test.relative_to(REPO_ROOT).as_posix()
        if any(rel == e or rel.startswith(e.rstrip('/') + '/') or fnmatch.fnmatch(rel, e) for e in excluded):
            continue
        text = test.read_text()
        if Path(rel).parent == mirror_dir and test.name.startswith(f'test_{stem}'):
            mirror.append(rel)
        elif own.search(text):
            naming.append(rel)
        elif any(user.search(text) for user in users):
            using.append(rel)
    return mirror + naming + using


# --------------------------------------------------------------------------------------------
# Running the tests against a mutant
# --------------------------------------------------------------------------------------------


def make_sandbox() -> Path:
    """A copy of the checkout (tracked and non-ignored files, no bytecode) in a temporary folder."""
    listed = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=REPO_ROOT,
                            check=True, capture_output=True).stdout.decode().split('\0')
    sandbox = Path(tempfile.mkdtemp(prefix='mutation_sandbox_'))
    for rel in filter(None, listed):
        source = REPO_ROOT / rel
        if source.is_file() and '__pycache__' not in rel:
            (sandbox / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, sandbox / rel)
    return sandbox


def preload() -> None:
    """Import the heavy third-party modules once, before forking (never ``derain_toolkit``)."""
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    leaked = [m for m in sys.modules if m.split('.')[0] == 'derain_toolkit']
    if leaked:
        raise RuntimeError(f'mutation_test: preloading imported {leaked[:3]}; a forked child would test the '
                           'unmutated code. Remove the module importing derain_toolkit from PRELOAD.')
    gc.freeze()  # the children's garbage collections skip the preloaded heap (pytest collects at exit)


def _child(sandbox: Path, tests: list[str], log: Path) -> None:
    """Body of a forked child: run pytest in ``sandbox`` and exit 0 (passed) or 1."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.chdir(sandbox)
    sys.path.insert(0, str(sandbox))
    import pytest

    code = pytest.main(['-x', '-q', '-p', 'no:randomly', '-p', 'no:cacheprovider', *tests])
    os._exit(0 if code == 0 else 1)


class Runner:
    """Runs mutants in ``jobs`` sandboxes at once, one forked child per mutant."""

    def __init__(self, jobs: int) -> None:
        self.sandboxes = [make_sandbox() for _ in range(jobs)]
        self.free = list(range(jobs))
        self.running: dict[int, tuple[int, Mutant, float, float]] = {}  # pid -> slot, mutant, start, limit

    def close(self) -> None:
        for pid in list(self.running):
            self._kill(pid)
        for sandbox in self.sandboxes:
            shutil.rmtree(sandbox, ignore_errors=True)

    def _kill(self, pid: int) -> None:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)

    def run(self, jobs: list[tuple[Mutant, list[str], float]], on_done) -> None:
        """Run each ``(mutant, tests, time_limit)``; ``mutant.status`` becomes killed/survived/timeout."""
        queue = list(jobs)
        while queue or self.running:
            while queue and self.free:
                self._start(*queue.pop(0))
            self._reap(on_done)

    def _start(self, mutant: Mutant, tests: list[str], limit: float) -> None:
        slot = self.free.pop()
        sandbox = self.sandboxes[slot]
        target = sandbox / mutant.path
        target.write_bytes(mutant.apply((REPO_ROOT / mutant.path).read_bytes()))
        pid = os.fork()
        if pid == 0:
            try:
                _child(sandbox, tests, sandbox / 'mutant.log')
            finally:
                os._exit(2)
        try:
            os.setpgid(pid, pid)  # also here, so a kill right after the fork reaches the whole group
        except (PermissionError, ProcessLookupError):
            pass
        self.running[pid] = (slot, mutant, time.monotonic(), limit)

    def _reap(self, on_done) -> None:
        time.sleep(0.05)
        for pid, (slot, mutant, start, limit) in list(self.running.items()):
            finished, status = os.waitpid(pid, os.WNOHANG)
            elapsed = time.monotonic() - start
            if not finished and elapsed <= limit:
                continue
            if not finished:
                self._kill(pid)
                mutant.status = 'timeout'
            else:
                mutant.status = 'survived' if os.waitstatus_to_exitcode(status) == 0 else 'killed'
            mutant.seconds = elapsed
            shutil.copy2(REPO_ROOT / mutant.path, self.sandboxes[slot] / mutant.path)
            del self.running[pid]
            self.free.append(slot)
            on_done(mutant)

    def last_log(self) -> str:
        return '\n'.join((s / 'mutant.log').read_text()[-3000:] for s in self.sandboxes if (s / 'mutant.log').exists())


def baseline(runner: Runner, path: str, tests: list[str]) -> Optional[float]:
    """Seconds the unmutated tests take, or ``None`` when they fail (the module cannot be scored)."""
    unmutated = Mutant(path, 0, 'none', 0, 0, '', '')
    runner.run([(unmutated, tests, 3600.0)], on_done=lambda m: None)
    return unmutated.seconds if unmutated.status == 'survived' else None


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def load_equivalents(path: Path) -> dict[tuple[str, str], str]:
    """``path :: mutated line :: reason`` lines -> {(path, mutated line): reason}."""
    if not path.exists():
        return {}
    entries = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        parts = [p.strip() for p in line.split(' :: ')]
        if len(parts) != 3:
            raise ValueError(f'{path}:{number}: expected "path :: mutated source line :: reason", got {line!r}')
        entries[(parts[0], parts[1])] = parts[2]
    return entries


def report(results: list[ModuleResult], equivalents: dict[tuple[str, str], str]) -> str:
    sources = {r.path: (REPO_ROOT / r.path).read_bytes() for r in results}
    rows = ['| module | mutants run / total | killed | timeout | survived | equivalent | score | '
            'behaviour score |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |']
    survivors, equivalent_lines = [], []
    totals = dict(run=0, total=0, killed=0, timeout=0, survived=0, equivalent=0)
    for result in results:
        run = [m for m in result.mutants if m.status != 'pending']
        equivalent = [m for m in run if m.status == 'survived'
                      and (m.path, m.mutated_line(sources[m.path])) in equivalents]
        killed, timeout = result.count('killed'), result.count('timeout')
        survived = result.count('survived') - len(equivalent)
        counts = dict(run=len(run), total=result.total_mutants, killed=killed, timeout=timeout,
                      survived=survived, equivalent=len(equivalent))
        for key, value in counts.items():
            totals[key] += value
        rows.append(_row(result.path, counts))
        for mutant in run:
            if mutant.status != 'survived':
                continue
            if mutant in equivalent:
                reason = equivalents[(mutant.path, mutant.mutated_line(sources[mutant.path]))]
                equivalent_lines.append(f'- {mutant.describe()}: {reason}')
            else:
                survivors.append(f'- {mutant.describe()}\n  `{mutant.mutated_line(sources[mutant.path])}`')
    rows.append(_row('**all**', totals))
    text = '\n'.join(rows)
    text += ('\n\nSurvivors that change behaviour (or not yet judged), each with its mutated line (the key of '
             'the equivalents file):\n' + ('\n'.join(survivors) or '- none'))
    if equivalent_lines:
        text += '\n\nSurvivors judged equivalent (from the equivalents file):\n' + '\n'.join(equivalent_lines)
    return text


def _row(name: str, c: dict[str, int]) -> str:
    def pct(num: int, den: int) -> str:
        return f'{100 * num / den:.0f}%' if den else '-'

    caught = c['killed'] + c['timeout']
    return (f"| {name} | {c['run']} / {c['total']} | {c['killed']} | {c['timeout']} | {c['survived']} | "
            f"{c['equivalent']} | {pct(caught, c['run'])} | {pct(caught, c['run'] - c['equivalent'])} |")


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def module_paths(paths: list[str]) -> list[str]:
    """Python files under ``paths`` (files or folders), without ``__init__.py``."""
    found = []
    for entry in paths:
        target = REPO_ROOT / entry
        if not target.exists():
            raise SystemExit(f'mutation_test: {entry} does not exist (paths are relative to {REPO_ROOT})')
        files = [target] if target.is_file() else sorted(target.rglob('*.py'))
        found += [f.relative_to(REPO_ROOT).as_posix() for f in files if f.name != '__init__.py']
    return found


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--paths', nargs='+', default=list(DEFAULT_PATHS),
                        help='files or folders to mutate (default: the issue-11 scope)')
    parser.add_argument('--max-mutants', type=int, default=None,
                        help='a seeded random sample of at most this many mutants per module (default: all)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the --max-mutants sample')
    parser.add_argument('--kinds', nargs='+', default=None, help='mutation kinds to use (default: all)')
    parser.add_argument('--jobs', type=int, default=1, help='mutants run at once (default 1)')
    parser.add_argument('--timeout-factor', type=float, default=3.0,
                        help='a mutant times out after this many times the unmutated tests\' duration')
    parser.add_argument('--min-timeout', type=float, default=20.0, help='seconds, the lower bound of that limit')
    parser.add_argument('--exclude-tests', nargs='*', default=list(DEFAULT_EXCLUDED_TESTS),
                        help='test files, folders or glob patterns never run (default: the slow folders)')
    parser.add_argument('--equivalents', default=DEFAULT_EQUIVALENTS, help='file of survivors judged equivalent')
    parser.add_argument('--list', action='store_true', help='print the mutants and their tests, run nothing')
    parser.add_argument('--json', default=None, help='write every mutant and its status to this file')
    parser.add_argument('--report', nargs='+', default=None, metavar='JSON',
                        help='print the report of earlier --json runs (e.g. after editing --equivalents), run nothing')
    return parser.parse_args(argv)


def load_results(paths: list[str]) -> list[ModuleResult]:
    """The ``ModuleResult``s saved by ``--json`` (several files are concatenated)."""
    results = []
    for path in paths:
        for entry in json.loads(Path(path).read_text()):
            mutants = [Mutant(**m) for m in entry.pop('mutants')]
            results.append(ModuleResult(**entry, mutants=mutants))
    return results


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if args.report:
        print(report(load_results(args.report), load_equivalents(REPO_ROOT / args.equivalents)))
        return 0
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    os.environ['PYTHONDONTWRITEBYTECODE'] = '1'
    sys.dont_write_bytecode = True
    test_files = sorted((REPO_ROOT / 'tests').rglob('test_*.py'))
    plan: list[ModuleResult] = []
    for path in module_paths(args.paths):
        mutants = find_mutants(path, (REPO_ROOT / path).read_bytes())
        total = len(mutants)
        if args.kinds:
            mutants = [m for m in mutants if m.kind in args.kinds]
        if args.max_mutants is not None and len(mutants) > args.max_mutants:
            mutants = sorted(random.Random(f'{args.seed}:{path}').sample(mutants, args.max_mutants),
                             key=lambda m: m.start)
        plan.append(ModuleResult(path, tests_for(path, test_files, tuple(args.exclude_tests)), total, 0.0, mutants))
    if args.list:
        for result in plan:
            print(f'{result.path}: {len(result.mutants)} / {result.total_mutants} mutants; tests: {result.tests}')
            for mutant in result.mutants:
                print('  ' + mutant.describe())
        return 0

    # A background job ignores SIGINT and SIGTERM would skip the clean-up: make both stop the run cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    preload()
    runner = Runner(args.jobs)
    started = time.monotonic()
    try:
        for result in plan:
            if not result.mutants:
                continue
            if not result.tests:
                for mutant in result.mutants:
                    mutant.status = 'survived'
                print(f'{result.path}: no test names this module; every mutant survives', flush=True)
                continue
            seconds = baseline(runner, result.path, result.tests)
            if seconds is None:
                raise SystemExit(f'mutation_test: the unmutated tests of {result.path} fail; fix them first:\n'
                                 f'{runner.last_log()}')
            result.baseline_seconds = seconds
            limit = max(args.min_timeout, args.timeout_factor * seconds)
            print(f'{result.path}: {len(result.mutants)} mutants, {len(result.tests)} test files, '
                  f'baseline {seconds:.1f}s', flush=True)
            runner.run([(m, result.tests, limit) for m in result.mutants],
                       on_done=lambda m: print(f'  {m.status:8s} {m.seconds:5.1f}s {m.describe()}', flush=True))
    finally:
        runner.close()
    print(f'\n{sum(len(r.mutants) for r in plan)} mutants in {time.monotonic() - started:.0f}s '
          f'(jobs={args.jobs}, seed={args.seed}, max_mutants={args.max_mutants})\n')
    print(report(plan, load_equivalents(REPO_ROOT / args.equivalents)))
    if args.json:
        Path(args.json).write_text(json.dumps(
            [dict(path=r.path, tests=r.tests, total_mutants=r.total_mutants, baseline_seconds=r.baseline_seconds,
                  mutants=[asdict(m) for m in r.mutants]) for r in plan], indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
