"""DRSformer against the official code: tiny official checkpoint outputs, full-size counts and keys.

Fixtures (tests/fixtures/official/README.md, section drsformer): ``drsformer_tiny.pth`` is the
official ``DRSformer`` (cschenxiang/DRSformer e77bbb4, dim 8, blocks (1, 1, 1, 1), heads
(1, 2, 1, 2), every weight redrawn) in its release layout ``{'params': sd}``;
``drsformer_tiny_io.pt`` holds its float32 and float64 outputs; ``drsformer_full_keys.json``
the keys and shapes of the released configuration. Tolerances are the README's.
"""
import json
from pathlib import Path

import pytest
import torch

from derain_toolkit.registry import BACKBONES, CHECKPOINT_CONVERTERS
from derain_toolkit.utils.complexity import count_macs_on_meta, count_parameters

FIXTURES = Path(__file__).resolve().parents[2] / 'fixtures' / 'official'
OFFICIAL_PARAMS = 33_655_424  # official DRSformer(), fixtures README / drsformer_full_keys.json
OFFICIAL_CONV_MACS_G = 220.33  # conv + linear MACs at 1x3x256x256, issue 13 (measured on the official code)
ATOL = {torch.float32: 1e-6, torch.float64: 1e-10}
SUFFIX = {torch.float32: '', torch.float64: '_f64'}


def _tiny(**overrides) -> torch.nn.Module:
    """The toolkit DRSformer of the tiny official constructor, official weights loaded strictly."""
    constructor = torch.load(FIXTURES / 'drsformer_tiny_io.pt', weights_only=True)['meta']['constructor']
    net = BACKBONES.build(dict(dict(type='DRSformer', dim=constructor['dim'], num_blocks=constructor['num_blocks'],
                                    heads=constructor['heads'],
                                    ffn_expansion_factor=constructor['ffn_expansion_factor'],
                                    bias=constructor['bias'], layernorm_type=constructor['LayerNorm_type']),
                               **overrides))
    official = torch.load(FIXTURES / 'drsformer_tiny.pth', weights_only=True)['params']
    net.load_state_dict(CHECKPOINT_CONVERTERS.get('drsformer')(official), strict=True)
    return net.eval()


@pytest.fixture(scope='module')
def io() -> dict:
    return torch.load(FIXTURES / 'drsformer_tiny_io.pt', weights_only=True)


@pytest.fixture(scope='module')
def full() -> torch.nn.Module:
    with torch.device('meta'):
        return BACKBONES.build(dict(type='DRSformer'))


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_official_checkpoint_reproduces_official_outputs(io, dtype):
    net = _tiny().to(dtype)
    with torch.no_grad():
        for case in ('A', 'B'):  # B: 21x19, padded inside forward as the official test script pads
            expected = io[f'{case}/out{SUFFIX[dtype]}']
            torch.testing.assert_close(net(io[f'{case}/x'].to(dtype)), expected, rtol=0, atol=ATOL[dtype])


def test_topk_ratio_order_matters(io):
    """At the tiny net's 32-channel heads the four k differ: swapping two ratios breaks the match."""
    net = _tiny(attn=dict(type='TKSA', topk_ratios=(1 / 2, 2 / 3, 4 / 5, 3 / 4)))
    with torch.no_grad():
        assert (net(io['A/x']) - io['A/out']).abs().max() > 100 * ATOL[torch.float32]


def test_full_size_parameter_count_equals_official(full):
    assert count_parameters(full) == OFFICIAL_PARAMS


def test_full_size_conv_macs_equal_official(full):
    # complexity.py counts nn.Linear under 'matmul' with the attention products; DRSformer's
    # only linears are the two MEFC gates, 13,312 MACs, far below the 0.01 G rounding.
    assert round(count_macs_on_meta(full)['conv'] / 1e9, 2) == OFFICIAL_CONV_MACS_G


def test_official_full_size_keys_convert_to_the_paper_config(full):
    official = json.loads((FIXTURES / 'drsformer_full_keys.json').read_text())
    assert sum(torch.Size(shape).numel() for shape in official['keys'].values()) == OFFICIAL_PARAMS
    state = {key: torch.empty(shape, device='meta') for key, shape in official['keys'].items()}
    converted = CHECKPOINT_CONVERTERS.get('drsformer')(state)
    assert {key: tuple(value.shape) for key, value in converted.items()} == {
        key: tuple(value.shape) for key, value in full.state_dict().items()}


OFFICIAL_PARAMS_WITHOUT_MEFC = 32_610_304  # DRSformer_arch_200L+SPA.py (Rain200L, SPA-Data)


def test_variant_without_mefc_matches_the_official_rain200l_spa_network():
    with torch.device('meta'):
        net = BACKBONES.build(dict(type='DRSformer', use_mefc=False))
    assert count_parameters(net) == OFFICIAL_PARAMS_WITHOUT_MEFC
    # Its release keys: the full network's without encoder_level0 / refinement (the file's only change).
    official = json.loads((FIXTURES / 'drsformer_full_keys.json').read_text())['keys']
    official = {k: v for k, v in official.items() if not k.startswith(('encoder_level0.', 'refinement.'))}
    assert sum(torch.Size(shape).numel() for shape in official.values()) == OFFICIAL_PARAMS_WITHOUT_MEFC
    state = {key: torch.empty(shape, device='meta') for key, shape in official.items()}
    converted = CHECKPOINT_CONVERTERS.get('drsformer')(state)
    assert {k: tuple(v.shape) for k, v in converted.items()} == {
        k: tuple(v.shape) for k, v in net.state_dict().items()}

