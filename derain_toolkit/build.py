"""Public entry points: load a config and build its model, for tools, tests and users' scripts."""
import os
import sys
from typing import Union

from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope, init_default_scope
from torch import nn

from derain_toolkit.errors import InputError
from derain_toolkit.registry import MODELS, SCOPE

ConfigLike = Union[str, os.PathLike, Config, ConfigDict, dict]


class PluginImportError(InputError, ImportError):
    """A package named by a config's ``custom_imports`` cannot be imported (one-line message with the fix)."""


def plugin_folders(config_path: str) -> list[str]:
    """Where a config's ``custom_imports`` are looked for besides ``sys.path``: the config's folder and the cwd."""
    return list(dict.fromkeys([os.path.dirname(os.path.abspath(config_path)), os.getcwd()]))


def _plugin_import_error(config_path: str, error: ImportError) -> PluginImportError:
    """One line saying which import of ``config_path`` failed and how to make it importable."""
    cause = error
    while isinstance(cause.__cause__ or cause.__context__, ImportError):  # mmengine re-raises with sys.path
        cause = cause.__cause__ or cause.__context__
    missing = getattr(cause, 'name', None)
    where = ' or '.join(f"'{folder}'" for folder in plugin_folders(config_path))
    return PluginImportError(
        f"{config_path}: custom_imports failed: {cause}. A plugin package is found next to the config or in the "
        f"working directory ({where}) or on PYTHONPATH: move '{missing or 'the package'}' there or run with "
        'PYTHONPATH=/folder/that/holds/the/package.')


def load_config(config: ConfigLike) -> Config:
    """A :class:`mmengine.config.Config` from a path, a Config or a plain dict.

    ``custom_imports`` in the config (plugins) are imported here. For a config file, its
    folder and the working directory are added to the end of ``sys.path`` first (after
    everything installed, so they shadow nothing), so a plugin package beside the config
    or in the working directory imports without ``PYTHONPATH``.

    Raises:
        FileNotFoundError: The config file does not exist.
        PluginImportError: A ``custom_imports`` package cannot be imported.
    """
    if isinstance(config, Config):
        return config
    if isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'Config file not found: {path}')
        sys.path.extend(folder for folder in plugin_folders(path) if folder not in sys.path)
        try:
            return Config.fromfile(path)
        except ImportError as error:
            raise _plugin_import_error(path, error) from None
    return Config(dict(config))


def build_model(config: ConfigLike) -> nn.Module:
    """Build the model of ``config``: a path, a full config (with a ``model`` key) or a model dict."""
    cfg = load_config(config)
    model_cfg = cfg.get('model', None)
    if model_cfg is None:
        model_cfg = cfg._cfg_dict if 'type' in cfg else None
    if model_cfg is None:
        raise KeyError('build_model: the config has no "model" entry and is not a model config (no "type")')
    if DefaultScope.get_current_instance() is None:
        init_default_scope(cfg.get('default_scope', SCOPE))
    return MODELS.build(model_cfg)
