import pytest
import torch

from derain_toolkit.registry import BACKBONES
from derain_toolkit.utils.complexity import count_macs_on_meta, count_parameters

RESTORMER = dict(type='RestormerUNet', dim=48, num_blocks=[4, 6, 6, 8], num_refinement_blocks=4,
                 heads=[1, 2, 4, 8], ffn_expansion_factor=2.66, bias=False, layernorm_type='WithBias',
                 attn=dict(type='MDTA'), ffn=dict(type='GDFN'))
TINY = dict(type='RestormerUNet', dim=8, num_blocks=[1, 1, 1, 2], num_refinement_blocks=1, heads=[1, 2, 4, 8])


def test_official_parameter_count():
    # Official Restormer (deraining config): 26,126,644 parameters.
    assert count_parameters(BACKBONES.build(RESTORMER)) == 26_126_644


def test_official_macs_at_256():
    macs = count_macs_on_meta(BACKBONES.build(RESTORMER), (1, 3, 256, 256))
    assert round(macs['conv'] / 1e9, 2) == 140.99
    assert round(macs['total'] / 1e9, 2) == 154.88


@pytest.mark.parametrize('size', [(16, 16), (17, 23), (9, 30), (5, 6)])
def test_any_input_size(size):
    net = BACKBONES.build(TINY)
    x = torch.rand(2, 3, *size)
    assert net(x).shape == x.shape


def test_output_is_input_plus_residual():
    net = BACKBONES.build(TINY)
    torch.nn.init.zeros_(net.output.weight)
    x = torch.rand(1, 3, 12, 12)
    assert torch.equal(net(x), x)


def test_neck_sees_each_decoder_level_before_upsampling():
    net = BACKBONES.build(TINY)
    seen = []

    def neck(level, feat):
        seen.append((level, tuple(feat.shape)))
        return feat * 0

    net(torch.rand(1, 3, 32, 32), neck=neck)
    assert seen == [(i, (1, c, 32 // s, 32 // s))
                    for i, (c, s) in enumerate(zip(net.neck_channels, net.neck_strides))]
    assert net.neck_channels == [64, 32, 16] and net.neck_strides == [8, 4, 2]


def test_attention_and_ffn_come_from_config():
    net = BACKBONES.build(dict(TINY, ffn=dict(type='GDFN', expansion_factor=1.0)))
    block = net.latent[0]
    assert type(block.attn).__name__ == 'MDTA'
    assert block.ffn.project_out.in_channels == 64  # the config's factor 1.0 replaced 2.66


def test_gradients_reach_every_parameter():
    net = BACKBONES.build(TINY)
    net(torch.rand(1, 3, 16, 16)).mean().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_levels_are_configurable():
    net = BACKBONES.build(dict(type='RestormerUNet', dim=8, num_blocks=[1, 1, 1, 1, 1], heads=[1, 1, 2, 4, 8],
                               num_refinement_blocks=1))
    assert net.pad_multiple == 16
    assert net(torch.rand(1, 3, 20, 20)).shape == (1, 3, 20, 20)
