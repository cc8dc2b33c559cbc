"""Official PReNet weights through the 'prenet' converter reproduce the official code's outputs.

Fixtures: tests/fixtures/official_baselines (README.md there): the official state dict's keys and
shapes, and the official float64 forward of the full-size PReNet6 with seeded weights.
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


def _converted() -> dict[str, torch.Tensor]:
    return CHECKPOINT_CONVERTERS.get('prenet')(fixtures.seeded_state(fixtures.official_keys('prenet')))


@pytest.mark.parametrize('dtype, tol', [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_official_weights_reproduce_the_official_outputs(dtype, tol):
    net = BACKBONES.build(dict(type='PReNet')).to(dtype).eval()
    net.load_state_dict(_converted(), strict=True)
    io = fixtures.official_io('prenet')
    with torch.no_grad():
        out = net(io['inputs'].to(dtype))
    official = io['stages'].to(dtype)
    assert len(out['stages']) == len(official) == 6
    for ours, theirs in zip(out['stages'], official):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=tol)
    assert out['pred'] is out['stages'][-1]


def test_gates_are_fused_in_the_order_i_f_g_o():
    """An independent table: the official gate convolutions are the 32-channel slices of ``gates``."""
    state = fixtures.seeded_state(fixtures.official_keys('prenet'))
    converted = _converted()
    for index, gate in enumerate('ifgo'):
        for kind in ('weight', 'bias'):
            assert torch.equal(converted[f'gates.{kind}'][32 * index:32 * (index + 1)], state[f'conv_{gate}.0.{kind}'])
    assert torch.equal(converted['fuse.0.weight'], state['conv0.0.weight'])
    assert torch.equal(converted['res_blocks.4.body.2.bias'], state['res_conv5.2.bias'])
    assert torch.equal(converted['out.weight'], state['conv.0.weight'])


def test_unknown_and_partial_keys_are_named():
    state = fixtures.seeded_state(fixtures.official_keys('prenet'))
    with pytest.raises(KeyError, match=r"\['conv_x\.0\.weight'\]"):
        CHECKPOINT_CONVERTERS.get('prenet')({**state, 'conv_x.0.weight': torch.zeros(1)})
    del state['conv_g.0.bias']
    with pytest.raises(KeyError, match=r"conv_g\.0\.bias"):
        CHECKPOINT_CONVERTERS.get('prenet')(state)
