"""All registries of derain-toolkit, one line per kind of part.

Each registry is an mmengine child, so the mmengine ``Runner`` (with
``default_scope='derain_toolkit'``) finds our models, datasets, transforms,
metrics and hooks, and ``locations`` imports the modules that register them on
first use. Parts meet only through these registries and configs.
"""
from typing import Any, Callable, Optional

from mmengine import registry as mmengine_registry
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

SCOPE = 'derain_toolkit'
_PACKAGE = 'derain_toolkit.'


class RegistryNameClashError(KeyError):
    """A plugin registers a name a built-in part already has; the message names both."""

    def __str__(self) -> str:
        return str(self.args[0])


class ToolkitRegistry(Registry):
    """An mmengine ``Registry`` that tells a plugin which built-in its name collides with (issue 17).

    mmengine imports a registry's ``locations`` (the built-in parts) only on first lookup. A
    plugin imported before that (``custom_imports``) registered its ``L1Loss`` without a
    word, and the built-in ``L1Loss`` then failed to register, blaming the plugin's module
    from deep inside the import. Here a part registered from outside the toolkit first
    imports the built-ins, and a name they hold is refused naming the built-in class
    (``force=True`` replaces it on purpose, as in mmengine).
    """

    def _register_module(self, module, module_name=None, force: bool = False) -> None:
        if not getattr(module, '__module__', '').startswith(_PACKAGE):
            self.import_from_location()
            names = [module_name] if isinstance(module_name, str) else module_name or [module.__name__]
            for name in names:
                built_in = self._module_dict.get(name)
                if not force and built_in is not None and built_in is not module:
                    raise RegistryNameClashError(
                        f'{module.__module__}.{module.__qualname__} cannot be registered as {name!r} in the '
                        f'{self.name} registry: the built-in {built_in.__module__}.{built_in.__qualname__} has that '
                        f"name. Fix: register it under another name (register_module(name='...')) or, to replace "
                        'the built-in on purpose, register_module(force=True)')
        super()._register_module(module, module_name, force)


def build_part(cfg: dict, registry: Registry, default_args: dict | None = None):
    """Build ``cfg`` from ``registry`` itself.

    mmengine's default build switches to the registry named by the default scope
    (``derain_toolkit``, i.e. ``MODELS``), which would hide the parts registered in the
    child registries below; this builder looks the type up in ``registry`` (then its
    parents) and names the registered choices when it is missing.
    """
    args = dict(cfg)
    for key, value in (default_args or {}).items():
        args.setdefault(key, value)
    if 'type' not in args:
        raise KeyError(f'A {registry.name} config needs a "type"; got {cfg}')
    obj_type = args.pop('type')
    obj_cls = registry.get(obj_type) if isinstance(obj_type, str) else obj_type
    if obj_cls is None:
        raise KeyError(f'{obj_type!r} is not a registered {registry.name}; registered: '
                       f'{sorted(registry.module_dict)}. A plugin must be imported first '
                       '(custom_imports=dict(imports=[...]) in the config).')
    return obj_cls(**args)


MODELS = ToolkitRegistry('model', parent=MMENGINE_MODELS, scope=SCOPE, locations=['derain_toolkit.models'])
BACKBONES = ToolkitRegistry('backbone', parent=MODELS, scope='backbones', locations=['derain_toolkit.models.backbones'], build_func=build_part)
ATTENTION = ToolkitRegistry('attention', parent=MODELS, scope='attention', locations=['derain_toolkit.models.attention'], build_func=build_part)
FEEDFORWARDS = ToolkitRegistry('feedforward', parent=MODELS, scope='feedforward', locations=['derain_toolkit.models.feedforward'], build_func=build_part)
ROUTERS = ToolkitRegistry('router', parent=MODELS, scope='routers', locations=['derain_toolkit.models.routers'], build_func=build_part)
LOSSES = ToolkitRegistry('loss', parent=MODELS, scope='losses', locations=['derain_toolkit.models.losses'], build_func=build_part)
GENERATORS = ToolkitRegistry('generator', parent=MODELS, scope='generators', locations=['derain_toolkit.models.generators'], build_func=build_part)
SAMPLERS = ToolkitRegistry('sampler', parent=MODELS, scope='samplers', locations=['derain_toolkit.models.samplers'], build_func=build_part)
TEST_TIME = ToolkitRegistry('test-time procedure', parent=MODELS, scope='test_time', locations=['derain_toolkit.models.test_time'], build_func=build_part)
DATASETS = ToolkitRegistry('dataset', parent=MMENGINE_DATASETS, scope=SCOPE, locations=['derain_toolkit.datasets'])
TRANSFORMS = ToolkitRegistry('transform', parent=MMENGINE_TRANSFORMS, scope=SCOPE, locations=['derain_toolkit.datasets.transforms'])
METRICS = ToolkitRegistry('metric', parent=MMENGINE_METRICS, scope=SCOPE, locations=['derain_toolkit.evaluation'])
HOOKS = ToolkitRegistry('hook', parent=MMENGINE_HOOKS, scope=SCOPE, locations=['derain_toolkit.engine'])
LOOPS = ToolkitRegistry('loop', parent=MMENGINE_LOOPS, scope=SCOPE, locations=['derain_toolkit.engine'])

# Functions that map an official release's network state dict to the toolkit's keys, by release name.
CHECKPOINT_CONVERTERS = ToolkitRegistry('checkpoint converter', scope=SCOPE, locations=['derain_toolkit.checkpoints.converters'])

OPTIM_WRAPPERS = ToolkitRegistry('optim wrapper', parent=mmengine_registry.OPTIM_WRAPPERS, scope=SCOPE, locations=['derain_toolkit.engine'])

# The Runner's own plumbing, built from mmengine's parts: a derain_toolkit child of each root, so
# that builds under default_scope='derain_toolkit' find their scope instead of warning and
# falling back (plugins may register here too).
_PLUMBING = {name: ToolkitRegistry(name.lower(), parent=getattr(mmengine_registry, name), scope=SCOPE)
             for name in ('DATA_SAMPLERS', 'EVALUATOR', 'FUNCTIONS', 'LOG_PROCESSORS', 'MODEL_WRAPPERS', 'OPTIMIZERS',
                          'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'RUNNERS', 'RUNNER_CONSTRUCTORS',
                          'VISBACKENDS', 'VISUALIZERS', 'WEIGHT_INITIALIZERS')}

PART_REGISTRIES = {
    'models': MODELS,
    'backbones': BACKBONES,
    'attention': ATTENTION,
    'feedforwards': FEEDFORWARDS,
    'routers': ROUTERS,
    'losses': LOSSES,
    'generators': GENERATORS,
    'samplers': SAMPLERS,
    'test_time': TEST_TIME,
    'datasets': DATASETS,
    'transforms': TRANSFORMS,
    'metrics': METRICS,
    'hooks': HOOKS,
    'loops': LOOPS,
    'optim_wrappers': OPTIM_WRAPPERS,
    'checkpoint_converters': CHECKPOINT_CONVERTERS,
}


def part_class(type_name: Any) -> Optional[type]:
    """The class registered as ``type_name`` in any registry of :data:`PART_REGISTRIES`, else ``None``.

    This is how the core asks a part what it declares (``tiny_overrides``, ``scores_input``,
    ... see ``docs/adding_a_component.md``) without naming part types: a plugin's part
    answers the same way once its module is imported.
    """
    if not isinstance(type_name, str):
        return type_name if isinstance(type_name, type) else None
    for registry in PART_REGISTRIES.values():
        part_cls = registry.get(type_name)
        if part_cls is not None:
            return part_cls
    return None


def walk_parts(node: Any, visit: Callable[[dict], None]) -> None:
    """Call ``visit`` on every dict with a ``type`` in a nested config, parents first."""
    if isinstance(node, dict):
        if 'type' in node:
            visit(node)
        for value in node.values():
            walk_parts(value, visit)
    elif isinstance(node, (list, tuple)):
        for value in node:
            walk_parts(value, visit)
