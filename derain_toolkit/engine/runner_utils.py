"""Turn the command-line switches of ``tools/train.py``/``tools/test.py`` into config changes.

The options themselves and the device they name are resolved in
:mod:`derain_toolkit.engine.options`.
"""
import logging
from typing import Any

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import init_default_scope

from derain_toolkit.datasets.layouts import EXPECTED_LAYOUTS, MissingDatasetError
from derain_toolkit.engine.config_check import config_problems
from derain_toolkit.errors import InputError
from derain_toolkit.registry import DATASETS, SCOPE, part_class, walk_parts


def enable_amp(cfg: Config, device: str, precision: str) -> None:
    """Switch ``cfg.optim_wrapper`` to mixed precision ``precision`` on ``device``.

    CUDA: mmengine's ``AmpOptimWrapper``; ``'fp16'`` autocasts to float16 with a dynamic
    loss scale, ``'bf16'`` to bfloat16 without loss scaling (its exponent range is
    float32's); a ``dtype`` or ``loss_scale`` already in the config wins. CPU: mmengine's
    wrapper refuses to run without a GPU, so ``CPUAmpOptimWrapper`` autocasts to bfloat16
    (``precision`` must be ``'bf16'``). Other options of the wrapper (``clip_grad``, ...) are kept.

    Args:
        cfg: The config, changed in place.
        device: ``'cpu'`` or ``'cuda'`` (from :func:`derain_toolkit.engine.options.tool_device`).
        precision: ``'fp16'`` or ``'bf16'`` (from :func:`derain_toolkit.engine.precision.resolve_precision`).

    Raises:
        ValueError: ``precision`` is not ``'fp16'``/``'bf16'``, or ``'fp16'`` on the CPU.
    """
    if precision not in ('fp16', 'bf16') or (precision == 'fp16' and device != 'cuda'):
        raise ValueError(f'mixed precision on {device} is bf16' + (' or fp16' if device == 'cuda' else '')
                         + f', got {precision!r}; use --precision auto, fp32 or bf16')
    optim_wrapper = cfg.optim_wrapper
    if device == 'cuda':
        optim_wrapper.type = 'AmpOptimWrapper'
        optim_wrapper.setdefault('dtype', 'float16' if precision == 'fp16' else 'bfloat16')
        optim_wrapper.setdefault('loss_scale', 'dynamic' if precision == 'fp16' else dict(enabled=False))
    else:
        optim_wrapper.type = 'CPUAmpOptimWrapper'
        for cuda_only in ('dtype', 'loss_scale'):
            optim_wrapper.pop(cuda_only, None)


def score_inputs(cfg: Config) -> Config:
    """Ask every test metric that declares ``scores_input`` to score the rainy input too (``<metric>_input``).

    ``test_evaluator`` may be one metric, a list of metrics, an evaluator (``metrics=[...]``)
    or a list of evaluators. Used by ``tools/test.py`` and the table runner.
    """
    evaluators = cfg.get('test_evaluator')
    for evaluator in evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]:
        metrics = evaluator.get('metrics', evaluator) if isinstance(evaluator, dict) else evaluator
        for metric in metrics if isinstance(metrics, (list, tuple)) else [metrics]:
            if isinstance(metric, dict) and getattr(part_class(metric.get('type')), 'scores_input', False):
                metric['score_input'] = True
    return cfg


class PreflightError(InputError, RuntimeError):
    """Inputs a run needs are missing; the message lists every problem found."""


def _dataset_problems(dataset_cfg: dict, key: str, counts: list[str]) -> tuple[list[str], list[str]]:
    """Build ``dataset_cfg`` (config key ``key``; each member of a ``MixedRainDataset`` on its own).

    The pair count of every dataset that can report it (``pair_count_report()``) is appended to ``counts``.

    Returns:
        ``(problems, missing_keys)``: one line per problem (for datasets that check their files,
        ``pair_problems()``, the unreadable or mismatched pairs too), and the ``data_root`` keys of
        the datasets not found (their layouts are listed once by :func:`preflight`).
    """
    if dataset_cfg.get('type') == 'MixedRainDataset':
        problems, missing = [], []
        for i, member in enumerate(dataset_cfg.get('datasets', [])):
            if isinstance(member, dict):
                member_problems, member_missing = _dataset_problems(member, f'{key}.datasets.{i}', counts)
                problems += member_problems
                missing += member_missing
        return problems, missing
    try:
        dataset = DATASETS.build(dataset_cfg)
    except MissingDatasetError as error:
        return [f"{key}.data_root='{error.root}': {error.found}"], [f'{key}.data_root']
    except (OSError, ValueError, KeyError) as error:
        return [f'{key}: {type(error).__name__}: {error}'], []
    if hasattr(dataset, 'pair_count_report'):
        counts.append(dataset.pair_count_report())
    return (dataset.pair_problems() if hasattr(dataset, 'pair_problems') else []), []


def _model_problems(cfg: Any) -> list[str]:
    """Problems declared by the ``preflight(cfg)`` of every part in a model config tree."""
    problems: list[str] = []

    def ask(part: dict) -> None:
        check = getattr(part_class(part['type']), 'preflight', None)
        if check is not None:
            problems.extend(check(dict(part)))

    walk_parts(cfg, ask)
    return problems


def preflight(cfg: Config, splits: tuple[str, ...]) -> list[str]:
    """Check, before anything is built, that the config's keys are known and that the datasets
    and weights a run needs exist.

    The runner builds its model (and CLIP, for CLIP-RPN) long before its dataloaders;
    this builds the datasets of ``{split}_dataloader`` first (a ``test_dataloader`` given
    as ``{name: dataloader}`` set by set, a ``MixedRainDataset`` member by member) and
    asks every part of the model config with a ``preflight(cfg) -> list[str]`` static
    method (CLIP routers, DA-CLIP: missing weights) for its problems, then reports them
    all at once. Unknown config keys and non-numbers given for numbers come first
    (:func:`~derain_toolkit.engine.config_check.config_problems`). When all is there, it logs
    (and returns) the pairs found in each split against the published count (``published_pairs``
    of a ``PairedRainDataset``).

    Args:
        cfg: The full config.
        splits: Any of ``'train'``, ``'val'``, ``'test'``; absent dataloaders are skipped.

    Returns:
        One line per dataset: its pairs found and published.

    Raises:
        PreflightError: listing every missing dataset folder and weight file, each with its fix.
    """
    init_default_scope(cfg.get('default_scope', SCOPE))
    problems, missing, counts = config_problems(cfg), [], []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        keyed = ([(f'{split}_dataloader', loader)] if 'dataset' in loader
                 else [(f'{split}_dataloader.{name}', each) for name, each in loader.items()])
        for key, each in keyed:
            if isinstance(each.get('dataset'), dict):
                dataset_problems, dataset_missing = _dataset_problems(each['dataset'], f'{key}.dataset', counts)
                problems += dataset_problems
                missing += dataset_missing
    problems += _model_problems(cfg.get('model'))
    if problems:
        unique = list(dict.fromkeys(problems))
        message = f'{len(unique)} problem(s) before training can start:\n' + '\n'.join(
            f'  {n}. {p}' for n, p in enumerate(unique, 1))
        if missing:
            message += (f'\nEach data_root above is the folder of one split; {EXPECTED_LAYOUTS}\n'
                        'Fix: put the datasets there, or point each key at its folder, e.g. '
                        f'--cfg-options {missing[0]}=/path/to/split (README, section Data).')
        raise PreflightError(message)
    counts = list(dict.fromkeys(counts))
    for line in counts:
        print_log(f'Dataset: {line}', logger='current',
                  level=logging.WARNING if 'but the published' in line else logging.INFO)
    return counts
