"""PromptIR against the official code: recipe weights and outputs, full-size counts and keys.

Fixtures (tests/fixtures/official/README.md, section promptir): the smallest official
``PromptIR(decoder=True)`` (va1shn9v/PromptIR 106159a, dim 48, blocks (1, 1, 1, 1), one
refinement block) has 16.5 M parameters, so its weights are a seeded recipe
(``promptir_tiny_recipe.json``, rebuilt by ``tests/conftest.py``'s ``promptir_recipe_state`` with
every sha256 checked) instead of a file;
``promptir_tiny_io.pt`` holds its float32 and float64 outputs; ``promptir_full_keys.json``
the keys and shapes of the released network. Tolerances are the README's.
"""
import json
from pathlib import Path

import pytest
import torch

from derain_toolkit.registry import BACKBONES, CHECKPOINT_CONVERTERS
from derain_toolkit.utils.complexity import count_macs_on_meta, count_parameters

FIXTURES = Path(__file__).resolve().parents[2] / 'fixtures' / 'official'
OFFICIAL_PARAMS = 35_592_263  # official PromptIR(decoder=True), fixtures README / promptir_full_keys.json
OFFICIAL_UNUSED_PARAMS = 215_296  # chnl_reduce1/2/3 + reduce_noise_channel_1/2/3, issue 13
OFFICIAL_CONV_MACS_G = 158.14  # conv + linear MACs at 1x3x256x256, issue 13 and CLIP-RPN Table 4
ATOL = {torch.float32: 5e-6, torch.float64: 1e-10}
SUFFIX = {torch.float32: '', torch.float64: '_f64'}


@pytest.fixture(scope='module')
def io() -> dict:
    return torch.load(FIXTURES / 'promptir_tiny_io.pt', weights_only=True)


@pytest.fixture(scope='module')
def tiny(promptir_recipe_state) -> torch.nn.Module:
    """The toolkit PromptIR of the smallest official constructor with the recipe weights, loaded strictly."""
    constructor = json.loads((FIXTURES / 'promptir_tiny_recipe.json').read_text())['constructor']
    assert constructor['decoder']
    net = BACKBONES.build(dict(
        type='PromptIR', dim=constructor['dim'], num_blocks=constructor['num_blocks'],
        num_refinement_blocks=constructor['num_refinement_blocks'], heads=constructor['heads'],
        ffn_expansion_factor=constructor['ffn_expansion_factor'], bias=constructor['bias'],
        layernorm_type=constructor['LayerNorm_type']))
    net.load_state_dict(CHECKPOINT_CONVERTERS.get('promptir')(promptir_recipe_state), strict=True)
    return net.eval()


@pytest.fixture(scope='module')
def full() -> torch.nn.Module:
    with torch.device('meta'):
        return BACKBONES.build(dict(type='PromptIR'))


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_official_weights_reproduce_official_outputs(tiny, io, dtype):
    net = tiny.to(dtype)
    with torch.no_grad():
        for case in ('A', 'B'):  # B: 21x19, padded inside forward with demo.py's factor-8 reflect rule
            expected = io[f'{case}/out{SUFFIX[dtype]}']
            torch.testing.assert_close(net(io[f'{case}/x'].to(dtype)), expected, rtol=0, atol=ATOL[dtype])
    tiny.float()


def test_full_size_parameter_count_equals_official(full):
    assert count_parameters(full) == OFFICIAL_PARAMS
    assert count_parameters(full.unused_convs) == OFFICIAL_UNUSED_PARAMS


def test_full_size_conv_macs_equal_official(full):
    # complexity.py counts nn.Linear under 'matmul' with the attention products; PromptIR's only
    # linears are the three prompt weightings, 3,360 MACs, far below the 0.01 G rounding.
    assert round(count_macs_on_meta(full)['conv'] / 1e9, 2) == OFFICIAL_CONV_MACS_G


def test_official_full_size_keys_convert_to_the_paper_config(full):
    official = json.loads((FIXTURES / 'promptir_full_keys.json').read_text())
    state = {key: torch.empty(shape, device='meta') for key, shape in official['keys'].items()}
    converted = CHECKPOINT_CONVERTERS.get('promptir')(state)
    assert {key: tuple(value.shape) for key, value in converted.items()} == {
        key: tuple(value.shape) for key, value in full.state_dict().items()}


def test_unused_convolutions_get_no_gradient_and_can_be_dropped():
    net = BACKBONES.build(dict(type='PromptIR', dim=6, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1,
                               heads=(1, 1, 2, 2), prompt_sizes=(2, 4, 8)))
    net(torch.rand(1, 3, 16, 16)).mean().backward()
    unused = {id(p) for p in net.unused_convs.parameters()}
    assert all((p.grad is None) == (id(p) in unused) for p in net.parameters())
    lean = BACKBONES.build(dict(type='PromptIR', dim=6, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1,
                                heads=(1, 1, 2, 2), prompt_sizes=(2, 4, 8), unused_convs=False))
    assert count_parameters(net) - count_parameters(lean) == count_parameters(net.unused_convs)


def test_prompt_widths_scale_with_dim():
    """At dim 48 the official hard-coded widths; at dim 12 a quarter of them."""
    for dim, widths in ((48, [320, 128, 64]), (12, [80, 32, 16])):
        with torch.device('meta'):
            net = BACKBONES.build(dict(type='PromptIR', dim=dim, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1))
        assert [block.generation.conv.out_channels for block in net.prompt_blocks] == widths
