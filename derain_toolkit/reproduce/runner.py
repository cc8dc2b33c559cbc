"""Train and test every row of a table spec with mmengine's Runner, resumably.

Each run of a row (see :class:`~derain_toolkit.reproduce.table_spec.Run`) is trained and
tested in this process by a fresh ``Runner`` with its own ``work_dir``
(``WORK_DIR/<row slug>/<run name>/``) and a unique ``experiment_name`` (mmengine keys its
global logger, message hub and visualizer by that name, so runs never share them). When
it finishes, ``results.json`` is written (atomically) beside its logs: a run whose file
exists is skipped, so a killed reproduction resumes at the first unfinished run. A run
that raises leaves ``error.txt`` instead and is retried next time.

The model is tested with the weights at the end of training (not the best validation
checkpoint: small budgets do not validate unless the spec asks for validation curves).
Every PSNR/SSIM test metric also scores the rainy input (``score_input``), which fills
the table's rainy-input reference row. Validation results during training are recorded
in ``validation.json`` beside the logs (the curves of CLIP-RPN Fig. 6).

Specs of kind ``'complexity'`` and ``'perception'`` train nothing: their runs are
measured by :mod:`derain_toolkit.reproduce.complexity` and
:mod:`derain_toolkit.reproduce.perception`, resumable the same way.
"""
import contextlib
import copy
import json
import logging
import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable, Optional

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.runner import Runner
from tqdm import tqdm

from derain_toolkit.build import load_config
from derain_toolkit.engine.runner_utils import preflight, score_inputs
from derain_toolkit.reproduce.budgets import Budget, apply_budget
from derain_toolkit.reproduce.complexity import measure_complexity
from derain_toolkit.reproduce.perception import measure_perception
from derain_toolkit.reproduce.table_spec import Row, Run, TableSpec, swap_datasets

RESULTS_FILE = 'results.json'
ERROR_FILE = 'error.txt'
VALIDATION_FILE = 'validation.json'


@dataclass
class RunOutcome:
    """What became of one run: its cells ``{dataset: {metric: value}}`` (and the cells it
    could not measure, as ``'<dataset> <metric>'``) or its error."""

    row: Row
    run: Run
    cells: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    error: Optional[str] = None
    skipped: bool = False
    seconds: float = 0.0
    input_cells: dict = field(default_factory=dict)
    validation: list = field(default_factory=list)
    machine: str = ''


def run_dir(work_dir: str, row: Row, run: Run) -> str:
    """Folder of one run's logs, checkpoint and ``results.json``."""
    return os.path.join(work_dir, row.slug, run.name)


def build_run_config(spec: TableSpec, row: Row, run: Run, budget: Budget, work_dir: str,
                     log_level: str = 'WARNING') -> Config:
    """The full config of ``run``: its file, the column's datasets (``per_column`` rows given
    one config), the spec's then the row's ``cfg_options``, the budget, then input scoring."""
    cfg = load_config(run.config)
    if run.data_config:
        swap_datasets(cfg, run.data_config)
    for options in (spec.cfg_options, row.cfg_options):
        cfg.merge_from_dict(copy.deepcopy(options))  # a copy: merging pops '_delete_' from the dict
    points = spec.validation_curves.get('points', 5) if spec.validation_curves else 0
    apply_budget(cfg, budget, list(run.datasets), run.train_set, validation_points=points,
                 test_size=spec.options.get('synthetic_test_size'))
    score_inputs(cfg)
    cfg.work_dir = run_dir(work_dir, row, run)
    cfg.experiment_name = f'{spec.name}-{budget.name}-{row.slug}-{run.name}-{time.strftime("%Y%m%d_%H%M%S")}'
    cfg.log_level = log_level
    return cfg


class _ValidationRecorder(Hook):
    """Append each validation's metrics, with the iteration, to ``validation.json`` in the work dir."""

    priority = 'VERY_LOW'

    def __init__(self, path: str) -> None:
        self.path = path
        self.history: list[dict] = []

    def after_val_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        values = {k: float(v) for k, v in (metrics or {}).items() if isinstance(v, (int, float))}
        self.history.append(dict(step=runner.iter, **values))
        _write_json(self.path, dict(history=self.history))


def train_and_test(cfg: Config) -> dict:
    """Train ``cfg`` with a fresh Runner, test the final weights, return the test metrics.

    The datasets are built first, so a missing dataset fails before the model is built.
    Validation results during training go to ``validation.json`` in ``cfg.work_dir``.
    """
    preflight(cfg, ('train', 'test'))
    runner = Runner.from_cfg(cfg)
    runner.register_hook(_ValidationRecorder(os.path.join(cfg.work_dir, VALIDATION_FILE)))
    try:
        runner.train()
        return dict(runner.test())
    finally:
        logger = MMLogger.get_instance(cfg.experiment_name)
        for handler in list(logger.handlers):
            if isinstance(handler, logging.FileHandler):
                handler.close()
                logger.removeHandler(handler)


def extract_cells(spec: TableSpec, run: Run, metrics: dict, suffix: str = '') -> tuple[dict, list[str]]:
    """Pick each (dataset, metric) cell of ``run`` out of its test metrics.

    Per metric (result key ``k`` from ``spec.metric_keys``, followed by ``suffix``:
    ``'_input'`` picks the rainy input's scores), a dataset's value is
    ``'{dataset}/{k}'`` (``MultiDatasetTestLoop``), else ``'{k}_{dataset}'`` (one source
    of a mixed test set), else the plain ``k`` (the config's single test set), which at
    most one dataset of the run may take. A metric the run did not report at all (e.g.
    LPIPS dropped by a budget) leaves its cells missing.

    Returns:
        ``({dataset: {metric: value}}, ['<dataset> <metric>' of every missing cell])``.

    Raises:
        KeyError: Several datasets would take the plain key (the spec's datasets do not
            match the config's test sets).
    """
    cells: dict = {}
    missing: list[str] = []
    for metric in spec.metrics:
        key = spec.metric_key(metric) + suffix
        plain = []
        for dataset in run.datasets:
            for candidate in (f'{dataset}/{key}', f'{key}_{dataset}'):
                if candidate in metrics:
                    cells.setdefault(dataset, {})[metric] = float(metrics[candidate])
                    break
            else:
                plain.append(dataset)
        if not plain:
            continue
        if key not in metrics:
            missing += [f'{dataset} {metric}' for dataset in plain]
            continue
        if len(plain) > 1:
            raise KeyError(f'{run.config}: no test metric for {metric!r} on {plain} (looked for '
                           f"'<dataset>/{key}' and '{key}_<dataset>'; the plain '{key}' can stand for one "
                           f'dataset only); the test run reported {sorted(metrics)}. Fix the spec\'s datasets '
                           'or the config\'s test sets.')
        cells.setdefault(plain[0], {})[metric] = float(metrics[key])
    return cells, missing


@contextlib.contextmanager
def _cpu_threads(threads: Optional[int]):
    """Run the block with ``threads`` intra-op CPU threads (``None``: unchanged)."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _write_json(path: str, content: dict) -> None:
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as file:
        json.dump(content, file, indent=2)
    os.replace(tmp, path)


def read_results(path: str) -> dict:
    """The content of a run's ``results.json``."""
    with open(path) as file:
        return json.load(file)


def _measure(spec: TableSpec, row: Row, run: Run, budget: Budget, work_dir: str, log_level: str,
             train_fn: Callable[[Config], dict]) -> dict:
    """The raw metrics of one run: trained and tested, or measured without training (by kind)."""
    if spec.kind == 'complexity':
        return measure_complexity(spec, row, run, budget)
    if spec.kind == 'perception':
        return measure_perception(spec, row, run, budget)
    return train_fn(build_run_config(spec, row, run, budget, work_dir, log_level))


def _read_validation(folder: str) -> list:
    path = os.path.join(folder, VALIDATION_FILE)
    return read_results(path)['history'] if os.path.isfile(path) else []


def reproduce(spec: TableSpec, budget: Budget, work_dir: str, progress: bool = True,
              log_level: str = 'WARNING',
              train_fn: Callable[[Config], dict] = train_and_test) -> list[RunOutcome]:
    """Train and test (or measure) every unfinished run of ``spec`` under ``budget``.

    Args:
        spec: The table.
        budget: The budget.
        work_dir: Root of this reproduction (one folder per row and run below it).
        progress: Show a progress bar over runs.
        log_level: mmengine log level of the runs (their full logs are in their folders).
        train_fn: Trains and tests a config, returns its test metrics (tests count calls);
            used by ``'train'`` specs only.

    Returns:
        One outcome per run, in table order.
    """
    jobs = [(row, run) for row in spec.rows for run in row.runs]
    outcomes = []
    bar = tqdm(jobs, desc=f'{spec.name} [{budget.name}]', unit='run', disable=not progress)
    for row, run in bar:
        bar.set_postfix_str(f'{row.label} / {run.name}'[:60])
        folder = run_dir(work_dir, row, run)
        results_path = os.path.join(folder, RESULTS_FILE)
        if os.path.isfile(results_path):
            saved = read_results(results_path)
            if saved.get('budget') != budget.name:
                raise ValueError(f'{results_path} holds a result of budget {saved.get("budget")!r}, not '
                                 f'{budget.name!r}: use another --work-dir for each budget')
            outcomes.append(RunOutcome(row, run, saved['cells'], saved.get('missing', []), skipped=True,
                                       seconds=saved['seconds'], input_cells=saved.get('input_cells', {}),
                                       validation=saved.get('validation', []), machine=saved.get('machine', '')))
            continue
        os.makedirs(folder, exist_ok=True)
        start = time.perf_counter()
        try:
            with _cpu_threads(budget.cpu_threads):
                raw = _measure(spec, row, run, budget, work_dir, log_level, train_fn)
            metrics = {k: float(v) if isinstance(v, (int, float)) else str(v) for k, v in raw.items()}
            cells, missing = extract_cells(spec, run, metrics)
            input_cells, _ = extract_cells(spec, run, metrics, suffix='_input')
        except Exception as error:  # one failing row must not lose the others: recorded, retried next time
            error_path = os.path.join(folder, ERROR_FILE)
            with open(error_path, 'w') as file:
                file.write(traceback.format_exc())
            message = ' '.join(str(error).split())
            summary = f'{type(error).__name__}: {message[:300]}{"…" if len(message) > 300 else ""} ({error_path})'
            outcomes.append(RunOutcome(row, run, error=summary, seconds=time.perf_counter() - start))
            continue
        seconds = time.perf_counter() - start
        if os.path.isfile(os.path.join(folder, ERROR_FILE)):
            os.remove(os.path.join(folder, ERROR_FILE))
        validation = _read_validation(folder)
        machine = str(metrics.get('machine', ''))
        _write_json(results_path, dict(table=spec.name, row=row.label, run=run.name, config=run.config,
                                       data_config=run.data_config, budget=budget.name, seconds=seconds,
                                       cells=cells, missing=missing, input_cells=input_cells,
                                       validation=validation, machine=machine, metrics=metrics))
        outcomes.append(RunOutcome(row, run, cells, missing, seconds=seconds, input_cells=input_cells,
                                   validation=validation, machine=machine))
    return outcomes
