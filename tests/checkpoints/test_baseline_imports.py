"""Official DRSformer and PromptIR files, as published, through the tools' import paths reproduce
the official outputs (fixtures README, sections drsformer and promptir; its float32 tolerances).

The converters alone are tested in tests/models/backbones/test_{drsformer,promptir}.py; here the
whole path: layout detection (BasicSR ``params``, Lightning ``net.``), the config's
``checkpoint_converter``, strict loading into the model of a config of the official shape.
"""
import json
from pathlib import Path

import pytest
import torch

from derain_toolkit.checkpoints.safe_checkpoint import load_local_checkpoint
from derain_toolkit.inference import load_model

REPO = Path(__file__).resolve().parents[2]
OFFICIAL = REPO / 'tests' / 'fixtures' / 'official'
DRSFORMER_TINY = OFFICIAL / 'drsformer_tiny.pth'
ATOL = {'drsformer': 1e-6, 'promptir': 5e-6}
# Toolkit config of a tiny official constructor (the fixture's meta / recipe): the backbone
# keyword arguments that differ in name are LayerNorm_type -> layernorm_type.
SHAPED = """_base_ = [{base!r}]
model = dict(backbone=dict(dim={dim}, num_blocks={num_blocks}, heads={heads}, ffn_expansion_factor={ffn},
                           bias={bias}, layernorm_type={layernorm!r}{extra}))
"""


def _config(path: Path, base: str, constructor: dict, extra: str = '', tail: str = '') -> str:
    """Write the config ``path``: ``configs/<base>`` with the backbone of ``constructor``, plus ``tail``."""
    path.write_text(SHAPED.format(
        base=str(REPO / 'configs' / base), dim=constructor['dim'], num_blocks=tuple(constructor['num_blocks']),
        heads=tuple(constructor['heads']), ffn=constructor['ffn_expansion_factor'], bias=constructor['bias'],
        layernorm=constructor['LayerNorm_type'], extra=extra) + tail)
    return str(path)


def _assert_official_outputs(network: torch.nn.Module, io: dict, name: str) -> None:
    with torch.no_grad():
        for case in ('A', 'B'):  # B: 21x19, padded inside forward as the official test scripts pad
            torch.testing.assert_close(network(io[f'{case}/x']), io[f'{case}/out'], rtol=0, atol=ATOL[name])


@pytest.fixture(scope='module')
def drsformer_io() -> dict:
    return torch.load(OFFICIAL / 'drsformer_tiny_io.pt', weights_only=True)


@pytest.fixture
def drsformer_config(tmp_path, drsformer_io) -> str:
    """drsformer_tiny_synthetic.py with the tiny official backbone (the official MEFC has 4 steps)."""
    return _config(tmp_path / 'drsformer_official_tiny.py', 'drsformer_tiny_synthetic.py', drsformer_io['meta']['constructor'],
                   extra=', mefc_steps=4')


def test_drsformer_params_file_through_test_tool_load_from(load_tool, tmp_path, drsformer_config, drsformer_io):
    """tools/test.py CONFIG drsformer.pth: the official {'params': ...} file is read as load_from."""
    from mmengine.runner import Runner

    tool = load_tool('test')
    args = tool.parse_args([drsformer_config, str(DRSFORMER_TINY), '--out', str(tmp_path / 'out'), '--device', 'cpu',
                            '--cfg-options', 'test_dataloader.dataset.num_samples=1',
                            'test_dataloader.dataset.image_size=16'])
    runner = Runner.from_cfg(tool.build_test_config(args))
    runner.test()
    _assert_official_outputs(runner.model.backbone.eval(), drsformer_io, 'drsformer')


def test_drsformer_converted_file_needs_no_converter(load_tool, tmp_path, drsformer_config, drsformer_io, capsys):
    """tools/convert_checkpoint.py writes toolkit keys: a config without checkpoint_converter reads them."""
    dst = tmp_path / 'drsformer_tiny_toolkit.pth'
    status = load_tool('convert_checkpoint').main([str(DRSFORMER_TINY), '--to', drsformer_config, '--out', str(dst)])
    assert status == 0 and "BasicSR {'params': ...}, official 'drsformer' keys converted" in capsys.readouterr().out
    assert all(key.startswith('backbone.') for key in load_local_checkpoint(str(dst))['state_dict'])
    plain = _config(tmp_path / 'drsformer_toolkit_tiny.py', 'drsformer_tiny_synthetic.py', drsformer_io['meta']['constructor'],
                    extra=', mefc_steps=4', tail='checkpoint_converter = None\n')
    _assert_official_outputs(load_model(plain, dst, device='cpu').backbone, drsformer_io, 'drsformer')


@pytest.fixture(scope='module')
def promptir_lightning_model(tmp_path_factory, promptir_recipe_state) -> torch.nn.Module:
    """The recipe weights saved as PromptIR's release (a Lightning checkpoint, the network under
    ``net.``) and read by load_model into a PromptIR config of the recipe's constructor (built once:
    16.5 M parameters)."""
    folder = tmp_path_factory.mktemp('promptir')
    ckpt = folder / 'epoch=149-step=1.ckpt'
    torch.save({'epoch': 149, 'global_step': 1, 'pytorch-lightning_version': '2.0.0',
                'state_dict': {f'net.{key}': value for key, value in promptir_recipe_state.items()},
                'optimizer_states': [], 'lr_schedulers': []}, ckpt)
    constructor = json.loads((OFFICIAL / 'promptir_tiny_recipe.json').read_text())['constructor']
    assert constructor['decoder']
    config = _config(folder / 'promptir_official_tiny.py', '_base_/models/promptir.py', constructor,
                     extra=f", num_refinement_blocks={constructor['num_refinement_blocks']}")
    return load_model(config, ckpt, device='cpu')


def test_promptir_lightning_file_through_load_model(promptir_lightning_model):
    """load_model (hence tools/derain.py) reads the .ckpt as published: no conversion step."""
    io = torch.load(OFFICIAL / 'promptir_tiny_io.pt', weights_only=True)
    _assert_official_outputs(promptir_lightning_model.backbone, io, 'promptir')
