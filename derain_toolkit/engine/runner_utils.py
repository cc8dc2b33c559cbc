"""Turn the command-line switches of ``tools/train.py``/``tools/test.py`` into config changes.

The options themselves and the device they name are resolved in
:mod:`derain_toolkit.engine.options`.
"""
from typing import Any

from mmengine.config import Config
from mmengine.registry import init_default_scope

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


class PreflightError(RuntimeError):
    """Inputs a run needs are missing; the message lists every problem found."""


def _dataset_problems(dataset_cfg: dict) -> list[str]:
    """Build ``dataset_cfg`` (each member of a ``MixedRainDataset`` on its own); return the errors."""
    if dataset_cfg.get('type') == 'MixedRainDataset':
        return [problem for member in dataset_cfg.get('datasets', []) if isinstance(member, dict)
                for problem in _dataset_problems(member)]
    try:
        DATASETS.build(dataset_cfg)
    except (OSError, ValueError, KeyError) as error:
        return [f'{type(error).__name__}: {error}']
    return []


def _model_problems(cfg: Any) -> list[str]:
    """Problems declared by the ``preflight(cfg)`` of every part in a model config tree."""
    problems: list[str] = []

    def ask(part: dict) -> None:
        check = getattr(part_class(part['type']), 'preflight', None)
        if check is not None:
            problems.extend(check(dict(part)))

    walk_parts(cfg, ask)
    return problems


def preflight(cfg: Config, splits: tuple[str, ...]) -> None:
    """Check, before anything is built, that the datasets and weights a run needs exist.

    The runner builds its model (and CLIP, for CLIP-RPN) long before its dataloaders;
    this builds the datasets of ``{split}_dataloader`` first (a ``test_dataloader`` given
    as ``{name: dataloader}`` set by set, a ``MixedRainDataset`` member by member) and
    asks every part of the model config with a ``preflight(cfg) -> list[str]`` static
    method (CLIP routers, DA-CLIP: missing weights) for its problems, then reports them
    all at once.

    Args:
        cfg: The full config.
        splits: Any of ``'train'``, ``'val'``, ``'test'``; absent dataloaders are skipped.

    Raises:
        PreflightError: listing every missing dataset folder and weight file, each with its fix.
    """
    init_default_scope(cfg.get('default_scope', SCOPE))
    problems = []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        loaders = [loader] if 'dataset' in loader else list(loader.values())
        for each in loaders:
            if isinstance(each.get('dataset'), dict):
                problems += _dataset_problems(each['dataset'])
    problems += _model_problems(cfg.get('model'))
    if problems:
        unique = list(dict.fromkeys(problems))
        raise PreflightError(f'{len(unique)} problem(s) before training can start:\n'
                             + '\n'.join(f'  {n}. {p}' for n, p in enumerate(unique, 1)))
