"""Official NeRD-Rain / NeRD-Rain-S checkpoints through the 'nerdrain' converter reproduce the official outputs.

Fixtures: tests/fixtures/official/nerdrain*_tiny.pth (train.py's layout, {'epoch', 'state_dict'}; plain keys for
nerdrain, 'module.' keys for nerdrain_s), the official forward's 7 outputs in float32 and float64 (cases A and B),
test.py's windowed test (case C, window 32) and the full-size key lists (README.md there, section nerdrain).
"""
import json
from pathlib import Path

import pytest
import torch

from derain_toolkit.inference import load_model
from derain_toolkit.registry import BACKBONES, CHECKPOINT_CONVERTERS, TEST_TIME

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL = ROOT / 'tests' / 'fixtures' / 'official'
# The fixtures' tiny constructors: dim 4, one block per level, heads and INR widths per network.
TINY = {'nerdrain': dict(heads=[1, 2, 4], inr_hidden=[32, 32, 32]),
        'nerdrain_s': dict(heads=[1, 1, 2], inr_hidden=[16, 24, 8])}
CONFIG = """_base_ = [{base!r}]
model = dict(backbone=dict(dim=4, num_blocks=[1, 1, 1], heads={heads}, inr_hidden={inr_hidden}),
             test_time=dict(window_size=32))
"""
# Float32: 2e-5 and 5e-5 suggested by the fixtures' README (10x the worst f32-vs-f64 error); measured here
# 2.1e-6 at most (case C), so a quarter of the suggestion is asserted. Float64: 3e-15 measured.
TOLERANCE = {torch.float32: 5e-6, torch.float64: 1e-12}


def _io(name: str) -> dict:
    return torch.load(OFFICIAL / f'{name}_tiny_io.pt', weights_only=True)


def _load(name: str, tmp_path_factory) -> tuple:
    """(name, the Derainer loaded from the official tiny file through load_model, the official io)."""
    config = tmp_path_factory.mktemp(name) / f'{name}_official_tiny.py'
    config.write_text(CONFIG.format(base=str(ROOT / 'configs' / 'nerdrain_tiny_synthetic.py'), **TINY[name]))
    return name, load_model(str(config), OFFICIAL / f'{name}_tiny.pth', device='cpu'), _io(name)


@pytest.fixture(scope='module', params=sorted(TINY))
def official(request, tmp_path_factory):
    return _load(request.param, tmp_path_factory)


@pytest.fixture(scope='module')
def official_nerdrain(tmp_path_factory):
    return _load('nerdrain', tmp_path_factory)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('case', ['A', 'B'])
def test_the_seven_outputs_equal_the_official_ones(official, case, dtype):
    name, model, io = official
    suffix = '_f64' if dtype == torch.float64 else ''
    net = model.backbone.to(dtype)
    try:
        with torch.no_grad():
            out = net(io[f'{case}/x'].to(dtype))
    finally:
        net.float()
    assert len(out['outputs']) == 7 and out['pred'] is out['outputs'][0]
    for i, ours in enumerate(out['outputs']):
        torch.testing.assert_close(ours, io[f'{case}/out{i}{suffix}'], rtol=0, atol=TOLERANCE[dtype],
                                   msg=lambda m: f'{name} {case} out{i}: {m}')


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_the_windowed_test_equals_test_py(official_nerdrain, dtype):
    """Case C: window_partitionx(x, 32) -> model -> window_reversex (raw), then the Derainer's clamped prediction."""
    _, model, io = official_nerdrain
    suffix = '_f64' if dtype == torch.float64 else ''
    x = io['C/x'].to(dtype)
    model.to(dtype)
    try:
        with torch.no_grad():
            raw = TEST_TIME.build(dict(type='WindowPartition', window_size=32))(lambda t: model.backbone(t)['pred'], x)
            clamped = model(x, mode='tensor')
    finally:
        model.float()
    torch.testing.assert_close(raw, io[f'C/out{suffix}'], rtol=0, atol=TOLERANCE[dtype])
    torch.testing.assert_close(clamped, io[f'C/out{suffix}'].clamp(0, 1), rtol=0, atol=TOLERANCE[dtype])


@pytest.mark.parametrize('name, dim, params, run', [('nerdrain', 48, 22_893_146, 22_888_538),
                                                     ('nerdrain_s', 32, 10_530_314, 10_528_266)])
def test_full_size_keys_shapes_and_parameter_counts(name, dim, params, run):
    official = json.loads((OFFICIAL / f'{name}_full_keys.json').read_text())
    assert (official['num_params'], official['num_params_run_in_forward']) == (params, run)
    with torch.device('meta'):  # names and shapes only
        net = BACKBONES.build(dict(type='NeRDRain', dim=dim))
    ours = {key: list(value.shape) for key, value in net.state_dict().items()}
    converted = CHECKPOINT_CONVERTERS.get('nerdrain')({key: torch.empty(shape, device='meta') for key, shape in
                                                       official['keys'].items()})
    assert {key: list(value.shape) for key, value in converted.items()} == ours
    assert len(ours) == 947 and sum(p.numel() for p in net.parameters()) == params
    never_run = official['never_run_in_forward']
    assert never_run['names'] == ['reduce_chan_level1_max3.weight']
    unused = CHECKPOINT_CONVERTERS.get('nerdrain')({never_run['names'][0]: torch.empty(0)})
    assert list(unused) == ['branches.2.unets.2.reduces.0.weight']
    assert params - net.state_dict()['branches.2.unets.2.reduces.0.weight'].numel() == run


@pytest.mark.parametrize('official_key, toolkit_key', [
    ('patch_embed_mid.proj.weight', 'branches.1.patch_embed.weight'),
    ('encoder_level1_small.0.norm1.body.weight', 'branches.0.unets.0.encoders.0.0.norm1.weight'),
    ('encoder_level2_max3.1.attn.qkv_dwconv.main.0.weight', 'branches.2.unets.2.encoders.1.1.attn.qkv_dwconv.weight'),
    ('latent_mid2.0.ffn.dwconv.main.0.weight', 'branches.1.unets.1.latent.0.ffn.dwconv.weight'),
    ('decoder_level2_max1.2.attn.temperature', 'branches.2.unets.0.decoders.1.2.attn.temperature'),
    ('reduce_chan_level1_mid2.weight', 'branches.1.unets.1.reduces.0.weight'),
    ('down1_2_mid.body.0.weight', 'branches.1.unets.0.downs.0.body.0.weight'),
    ('down2_3_max3.body.0.weight', 'branches.2.unets.2.downs.1.body.0.weight'),
    ('up3_2_mid2.body.0.weight', 'branches.1.unets.1.ups.1.body.0.weight'),
    ('up2_1_small.body.0.weight', 'branches.0.unets.0.ups.0.body.0.weight'),
    ('output_mid_context.weight', 'branches.1.contexts.0.weight'),
    ('output_max_context2.weight', 'branches.2.contexts.1.weight'),
    ('output_small.weight', 'branches.0.output.weight'),
    ('upmid2max2.body.0.weight', 'inr_ups.1.1.body.0.weight'),
    ('INR2.imnet.layers.6.bias', 'inrs.1.mlp.6.bias'),
    ('BF1.gamma2.weight', 'fusions.1.0.gamma2.weight'),
    ('BF2.query_conv.bias', 'fusions.1.1.query_conv.bias'),
    ('BF3.key_conv.weight', 'fusions.0.0.key_conv.weight'),
])
def test_official_names(official_key, toolkit_key):
    tensor = torch.zeros(1)
    assert CHECKPOINT_CONVERTERS.get('nerdrain')({official_key: tensor}) == {toolkit_key: tensor}


def test_unknown_keys_are_named():
    state = {'latent_small1.0.attn.temperature': torch.zeros(1), 'down1_2_mid1.body.0.weight': torch.zeros(1),
             'BF4.gamma1.weight': torch.zeros(1), 'output_small.weight': torch.zeros(1)}
    with pytest.raises(KeyError, match=r"3 keys.*'latent_small1\.0\.attn\.temperature', 'down1_2_mid1.*'BF4"):
        CHECKPOINT_CONVERTERS.get('nerdrain')(state)
