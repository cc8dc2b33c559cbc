"""Unknown config keys and non-numbers where numbers go, reported before training starts (issue 17).

mmengine reads the keys it knows and ignores the rest: a misspelt top-level key
(``laod_from=...``) trains from scratch without a word, and a misspelt option of a part
(``default_hooks.checkpoint.intervall=2``) fails only when the part first uses it (the
checkpoint hook passes unknown options to the first save: after the first interval of
training). :func:`config_problems` finds both from the config alone:

* Top level: the known keys are the ``Runner``'s arguments (``Runner.__init__`` and
  ``Runner.from_cfg``), the toolkit's own (:data:`TOOLKIT_KEYS`) and every key of the
  config's ``_base_`` files (shared variables such as ``train_pipeline``). An unknown key
  within reach of a known one (``difflib``, ratio >= 0.75) is an error naming that key; one
  that resembles nothing is a variable of the config itself and is left alone.
* Parts (``dict(type=...)`` in the hooks, loops, optimiser, schedulers, data loaders,
  datasets, transforms, evaluators and the model): the known keys are the constructor's
  parameters of the registered type, followed through ``**kwargs`` up its base classes
  (mixins pass them on). A class whose ``**kwargs`` go nowhere checkable is not checked,
  except mmengine's ``CheckpointHook``, whose extra options all reach
  ``Runner.save_checkpoint``, which takes none.
* A string where the constructor's default (or annotation) is a number
  (``train_cfg.max_iters=abc``, ``optim_wrapper.optimizer.lr=abc``) is an error naming the key.
"""
import difflib
import functools
import inspect
import os.path as osp
from collections.abc import Iterator
from typing import Any, Optional

from mmengine import registry as mmengine_registry
from mmengine.config import Config
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from derain_toolkit.registry import DATASETS, HOOKS, LOOPS, METRICS, OPTIM_WRAPPERS, PART_REGISTRIES, TRANSFORMS

# Top-level keys read by the toolkit rather than the Runner.
TOOLKIT_KEYS = frozenset({'checkpoint_converter', 'precision', 'custom_imports', 'runner_type', 'model_wrapper_cfg',
                          'filename', '_base_', 'global_batch_size', 'recipe_batch', 'compile'})
_CLOSE = 0.75
# Keys the Runner consumes itself before it builds the part.
_RUNNER_CONSUMED = {
    'loop': {'by_epoch'},
    'optim_wrapper': {'optimizer', 'paramwise_cfg', 'constructor'},
    'scheduler': {'convert_to_iter_based'},
    'dataloader': {'dataset', 'sampler', 'batch_sampler', 'collate_fn', 'worker_init_fn', 'num_batch_per_epoch'},
}
# Classes whose **kwargs are passed to a call that takes nothing beyond what the class already passes.
_CLOSED_KWARGS = (CheckpointHook,)
_DEFAULT_LOOPS = {'train_cfg': None, 'val_cfg': 'ValLoop', 'test_cfg': 'TestLoop'}
_DATALOADER_ARGS = frozenset(inspect.signature(DataLoader.__init__).parameters) - {'self'}


def _runner_keys() -> set[str]:
    return (set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}) | set(TOOLKIT_KEYS)


@functools.lru_cache(maxsize=None)
def _keys_of_file(path: str, modified: float) -> frozenset[str]:
    """The keys of the config file ``path`` with its bases (cached while the file is unchanged)."""
    return frozenset(Config.fromfile(path).keys())


def _base_keys(filename: Optional[str]) -> set[str]:
    """Every key defined in the ``_base_`` files of the config file ``filename`` (recursively)."""
    if not filename or not osp.isfile(filename):
        return set()
    keys: set[str] = set()
    for base in Config._get_base_files(filename):
        path = osp.normpath(Config._get_cfg_path(base, filename)[0])
        keys |= _keys_of_file(path, osp.getmtime(path))
    return keys


def _parameters(cls: type) -> Optional[dict[str, inspect.Parameter]]:
    """Constructor parameters of ``cls`` followed through ``**kwargs`` up the MRO; ``None`` if open-ended."""
    found: dict[str, inspect.Parameter] = {}
    for klass in cls.__mro__:
        if '__init__' not in vars(klass) or klass is object:
            continue
        try:
            signature = inspect.signature(vars(klass)['__init__'])
        except (TypeError, ValueError):
            return None
        open_ended = False
        for name, parameter in signature.parameters.items():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                open_ended = True
            elif parameter.kind is not inspect.Parameter.VAR_POSITIONAL and name != 'self':
                found.setdefault(name, parameter)
        if not open_ended:
            return found
        if issubclass(klass, _CLOSED_KWARGS) and klass in _CLOSED_KWARGS:
            return found
    return None


def _numeric(parameter: inspect.Parameter) -> Optional[str]:
    """``'int'``/``'float'`` when the parameter takes a number (by its default or its annotation)."""
    default = parameter.default
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        return type(default).__name__
    annotation = parameter.annotation
    if annotation in (int, float, 'int', 'float'):
        return annotation if isinstance(annotation, str) else annotation.__name__
    return None


def _nearest(key: str, known: set[str]) -> Optional[str]:
    matches = difflib.get_close_matches(key, sorted(known), n=1, cutoff=_CLOSE)
    return matches[0] if matches else None


def _check_part(path: str, cfg: dict, cls: type, consumed: set[str] = frozenset()) -> list[str]:
    parameters = _parameters(cls)
    if parameters is None:
        return []
    known = set(parameters) | set(consumed) | {'type', '_scope_'}
    problems = []
    for key, value in cfg.items():
        if key not in known:
            near = _nearest(key, known - {'type', '_scope_'})
            problems.append(f"{path}.{key}: {cls.__name__} has no option '{key}'"
                            + (f"; did you mean '{near}'?" if near else '')
                            + f' (its options: {", ".join(sorted(known - {"type", "_scope_"}))})')
        elif key in parameters and isinstance(value, str) and _numeric(parameters[key]):
            problems.append(f"{path}.{key}: expected a number ({_numeric(parameters[key])}), got {value!r}; "
                            f'write it as a number, e.g. {path}.{key}={parameters[key].default!r}'
                            if parameters[key].default is not inspect.Parameter.empty else
                            f"{path}.{key}: expected a number ({_numeric(parameters[key])}), got {value!r}")
    return problems


def _lookup(name: Any, registries) -> Optional[type]:
    if not isinstance(name, str):
        return name if isinstance(name, type) else None
    for registry in registries:
        cls = registry.get(name)
        if cls is not None:
            return cls if isinstance(cls, type) else None
    return None


def _parts(path: str, cfg: Any, registries) -> Iterator[tuple[str, dict, type]]:
    """Every ``dict(type=...)`` below ``cfg`` whose type is found in ``registries``."""
    if isinstance(cfg, dict):
        cls = _lookup(cfg.get('type'), registries) if 'type' in cfg else None
        if cls is not None:
            yield path, cfg, cls
        for key, value in cfg.items():
            yield from _parts(f'{path}.{key}', value, registries)
    elif isinstance(cfg, (list, tuple)):
        for index, value in enumerate(cfg):
            yield from _parts(f'{path}[{index}]', value, registries)


def _plumbing(name: str):
    from derain_toolkit import registry
    return [registry._PLUMBING[name]]


def _section_problems(cfg: Config) -> list[str]:
    problems = []
    hooks = dict(cfg.get('default_hooks') or {})
    for name, hook in hooks.items():
        problems += [p for part in _parts(f'default_hooks.{name}', hook, [HOOKS]) for p in _check_part(*part)]
    problems += [p for part in _parts('custom_hooks', cfg.get('custom_hooks') or [], [HOOKS]) for p in _check_part(*part)]
    for loop_key, default in _DEFAULT_LOOPS.items():
        loop = cfg.get(loop_key)
        if not isinstance(loop, dict):
            continue
        loop_type = loop.get('type') or default or ('EpochBasedTrainLoop' if loop.get('by_epoch', True)
                                                    else 'IterBasedTrainLoop')
        cls = _lookup(loop_type, [LOOPS])
        if cls is not None:
            consumed = _RUNNER_CONSUMED['loop'] | {'runner', 'dataloader', 'evaluator'}
            problems += _check_part(loop_key, loop, cls, consumed)
    wrapper = cfg.get('optim_wrapper')
    if isinstance(wrapper, dict) and 'optimizer' in wrapper:
        cls = _lookup(wrapper.get('type', 'OptimWrapper'), [OPTIM_WRAPPERS])
        if cls is not None:
            problems += _check_part('optim_wrapper', wrapper, cls, _RUNNER_CONSUMED['optim_wrapper'])
        problems += [p for part in _parts('optim_wrapper.optimizer', wrapper['optimizer'], _plumbing('OPTIMIZERS'))
                     for p in _check_part(*part, consumed={'params'})]
    schedulers = cfg.get('param_scheduler') or []
    problems += [p for part in _parts('param_scheduler', schedulers, _plumbing('PARAM_SCHEDULERS'))
                 for p in _check_part(*part, consumed=_RUNNER_CONSUMED['scheduler'] | {'optimizer'})]
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not isinstance(loader, dict):
            continue
        several = loader and all(isinstance(each, dict) and 'dataset' in each for each in loader.values())
        loaders = {f'{split}_dataloader.{name}': each for name, each in loader.items()} if several else {
            f'{split}_dataloader': loader}
        for path, each in loaders.items():
            unknown = [key for key in each if key not in _DATALOADER_ARGS | _RUNNER_CONSUMED['dataloader']]
            for key in unknown:
                near = _nearest(key, set(_DATALOADER_ARGS | _RUNNER_CONSUMED['dataloader']))
                problems.append(f"{path}.{key}: a data loader has no option '{key}'"
                                + (f"; did you mean '{near}'?" if near else ''))
            problems += [p for part in _parts(f'{path}.dataset', each.get('dataset'), [DATASETS, TRANSFORMS])
                         for p in _check_part(*part)]
            problems += [p for part in _parts(f'{path}.sampler', each.get('sampler'), _plumbing('DATA_SAMPLERS'))
                         for p in _check_part(*part, consumed={'dataset'})]
    for split in ('val', 'test'):
        problems += [p for part in _parts(f'{split}_evaluator', cfg.get(f'{split}_evaluator'), [METRICS])
                     for p in _check_part(*part)]
    problems += [p for part in _parts('model', cfg.get('model'), list(PART_REGISTRIES.values()))
                 for p in _check_part(*part)]
    return problems


def config_problems(cfg: Config) -> list[str]:
    """Every unknown key and every non-number given for a number in ``cfg`` (see the module docstring)."""
    known = _runner_keys() | _base_keys(cfg.filename)
    problems = []
    for key in cfg.keys():
        if key in known:
            continue
        near = _nearest(key, known)
        if near is not None:
            problems.append(f"{key}: not a config key (the Runner ignores it); did you mean '{near}'?")
    return problems + _section_problems(cfg)
