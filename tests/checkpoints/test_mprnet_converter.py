"""Official MPRNet weights through the 'mprnet' converter reproduce the official code's outputs.

Fixtures: tests/fixtures/official_baselines (README.md there): the official state dict's keys and
shapes (316, the shared PReLU under each of its 55 CABs), and the official float64 forward of the
full-size deraining MPRNet with seeded weights.
"""
import importlib.util
from pathlib import Path

import pytest
import torch

from derain_toolkit.registry import BACKBONES, CHECKPOINT_CONVERTERS

_SPEC = importlib.util.spec_from_file_location(
    'make_fixtures', Path(__file__).resolve().parents[1] / 'fixtures' / 'official_baselines' / 'make_fixtures.py')
fixtures = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fixtures)


@pytest.fixture(scope='module')
def converted() -> dict[str, torch.Tensor]:
    return CHECKPOINT_CONVERTERS.get('mprnet')(fixtures.seeded_state(fixtures.official_keys('mprnet')))


def test_official_keys_map_one_to_one_onto_the_toolkit_keys_and_shapes(converted):
    net = BACKBONES.build(dict(type='MPRNet'))
    ours = {key: list(value.shape) for key, value in net.state_dict().items()}
    assert len(fixtures.official_keys('mprnet')) == len(converted) == len(ours) == 316
    assert {key: list(value.shape) for key, value in converted.items()} == ours


@pytest.mark.parametrize('dtype, tol', [(torch.float64, 1e-12), (torch.float32, 2e-5)])
def test_official_weights_reproduce_the_official_outputs(converted, dtype, tol):
    net = BACKBONES.build(dict(type='MPRNet')).to(dtype).eval()
    net.load_state_dict(converted, strict=True)
    io = fixtures.official_io('mprnet')
    with torch.no_grad():
        out = net(io['inputs'].to(dtype))
    official = io['stages'].to(dtype)
    assert len(out['stages']) == len(official) == 3
    for ours, theirs in zip(out['stages'], official):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=tol)


@pytest.mark.parametrize('official, toolkit', [
    ('shallow_feat3.1.CA.conv_du.2.weight', 'shallow_feats.2.1.attention.body.3.weight'),
    ('stage2_encoder.encoder_level3.1.body.2.weight', 'encoders.1.levels.2.1.body.2.weight'),
    ('stage1_encoder.down23.down.1.weight', 'encoders.0.downs.1.1.weight'),
    ('stage2_encoder.csff_dec2.weight', 'encoders.1.csff_dec.1.weight'),
    ('stage1_decoder.skip_attn1.body.1.weight', 'decoders.0.skip_attn.0.body.1.weight'),
    ('stage2_decoder.up32.up.1.weight', 'decoders.1.ups.1.1.weight'),
    ('stage3_orsnet.orb2.body.8.weight', 'orsnet.orbs.1.body.8.weight'),
    ('stage3_orsnet.orb3.body.7.CA.conv_du.0.weight', 'orsnet.orbs.2.body.7.attention.body.1.weight'),
    ('stage3_orsnet.up_dec1.up.1.weight', 'orsnet.up_dec.1.0.1.weight'),
    ('stage3_orsnet.up_enc2.1.up.1.weight', 'orsnet.up_enc.2.1.1.weight'),
    ('stage3_orsnet.conv_enc3.weight', 'orsnet.csff_enc.2.weight'),
    ('sam23.conv3.weight', 'sams.1.conv_gate.weight'),
    ('concat12.weight', 'fuses.0.weight'),
    ('tail.weight', 'tail.weight'),
])
def test_official_names(official, toolkit):
    tensor = torch.zeros(1)
    assert CHECKPOINT_CONVERTERS.get('mprnet')({official: tensor}) == {toolkit: tensor}


def test_unknown_keys_are_named(converted):
    state = fixtures.seeded_state(fixtures.official_keys('mprnet'))
    state['stage1_encoder.encoder_level1.0.body.3.weight'] = torch.zeros(1)
    state['extra.weight'] = torch.zeros(1)
    with pytest.raises(KeyError, match=r"2 keys.*'stage1_encoder\.encoder_level1\.0\.body\.3\.weight', 'extra"):
        CHECKPOINT_CONVERTERS.get('mprnet')(state)
