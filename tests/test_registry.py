import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import derain_toolkit
from derain_toolkit.registry import (
    ATTENTION,
    BACKBONES,
    FEEDFORWARDS,
    GENERATORS,
    LOSSES,
    MODELS,
    PART_REGISTRIES,
)

REPO = Path(__file__).resolve().parents[1]


def test_part_registries_are_mmengine_children_with_locations():
    from mmengine.registry import MODELS as MMENGINE_MODELS
    assert MODELS.parent is MMENGINE_MODELS
    for registry in (BACKBONES, ATTENTION, FEEDFORWARDS, LOSSES, GENERATORS):
        assert registry.parent is MODELS
        assert registry._locations


@pytest.mark.parametrize('registry, names', [
    (BACKBONES, ['RestormerUNet']),
    (ATTENTION, ['MDTA']),
    (FEEDFORWARDS, ['GDFN']),
    (LOSSES, ['L1Loss', 'L2Loss', 'HuberLoss', 'DLSLoss']),
    (GENERATORS, ['DirectGenerator']),
    (MODELS, ['Derainer', 'DerainDataPreprocessor']),
])
def test_registry_contents(registry, names):
    registry.import_from_location()
    for name in names:
        assert registry.get(name) is not None, f'{name} missing from {registry.name}'


def test_every_kind_is_listed():
    assert {'backbones', 'attention', 'feedforwards', 'routers', 'losses', 'generators', 'datasets',
            'transforms', 'metrics', 'hooks'} <= set(PART_REGISTRIES)


def test_unknown_part_names_the_choices():
    with pytest.raises(KeyError, match='RestormerUNet'):
        BACKBONES.build(dict(type='NoSuchNet'))


def test_build_model_from_dict_and_config_object():
    from mmengine.config import Config
    model_cfg = dict(type='Derainer', backbone=dict(type='RestormerUNet', dim=8, num_blocks=[1, 1],
                                                     heads=[1, 2], num_refinement_blocks=1))
    a = derain_toolkit.build_model(model_cfg)
    b = derain_toolkit.build_model(Config(dict(model=model_cfg)))
    assert sum(p.numel() for p in a.parameters()) == sum(p.numel() for p in b.parameters())
    assert a(torch.rand(1, 3, 9, 7)).shape == (1, 3, 9, 7)


def test_build_model_missing_file():
    with pytest.raises(FileNotFoundError, match='nope.py'):
        derain_toolkit.build_model('configs/nope.py')


def test_plugin_name_clash_names_the_built_in(tmp_path):
    """A plugin imported before any lookup (custom_imports) registers a built-in's name: refused, naming it."""
    plugin = tmp_path / 'my_plugin.py'
    plugin.write_text('from torch import nn\n'
                      'from derain_toolkit.registry import LOSSES\n\n\n'
                      '@LOSSES.register_module()\n'
                      'class L1Loss(nn.Module):\n'
                      '    pass\n')
    result = subprocess.run([sys.executable, '-c', 'import my_plugin'], capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, PYTHONPATH=f'{tmp_path}{os.pathsep}{REPO}', OMP_NUM_THREADS='1'))
    last = result.stderr.strip().splitlines()[-1]
    assert last == ("derain_toolkit.registry.RegistryNameClashError: my_plugin.L1Loss cannot be registered as 'L1Loss' "
                    'in the loss registry: the built-in derain_toolkit.models.losses.l1_loss.L1Loss has that name. '
                    "Fix: register it under another name (register_module(name='...')) or, to replace the built-in "
                    'on purpose, register_module(force=True)')
