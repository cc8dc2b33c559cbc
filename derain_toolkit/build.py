"""Public entry points: load a config and build its model, for tools, tests and users' scripts."""
import os
from typing import Union

from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope, init_default_scope
from torch import nn

from derain_toolkit.registry import MODELS, SCOPE

ConfigLike = Union[str, os.PathLike, Config, ConfigDict, dict]


def load_config(config: ConfigLike) -> Config:
    """A :class:`mmengine.config.Config` from a path, a Config or a plain dict.

    ``custom_imports`` in the config (plugins) are imported here.
    """
    if isinstance(config, Config):
        return config
    if isinstance(config, (str, os.PathLike)):
        if not os.path.isfile(config):
            raise FileNotFoundError(f'Config file not found: {config}')
        return Config.fromfile(os.fspath(config))
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
