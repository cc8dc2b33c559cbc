"""SEFN (DDSA paper Sec. 2.3): shapes, Res2Net wiring, and the spatial-attention switch."""
import pytest
import torch
import torch.nn.functional as F

from derain_toolkit.models.feedforward.gdfn import GDFN
from derain_toolkit.models.feedforward.sefn import SEFN
from derain_toolkit.registry import FEEDFORWARDS


@pytest.mark.parametrize('spatial_attention', [True, False])
def test_shape_and_hidden_width(spatial_attention):
    module = SEFN(16, expansion_factor=2.66, bias=False, spatial_attention=spatial_attention)
    # 16 * 2.66 = 42.56 -> rounded up to a multiple of 3: 45 hidden channels, 15 per group.
    assert module.project_in.out_channels == 45
    assert all(conv.groups == conv.in_channels == 15 and conv.kernel_size == (3, 3) for conv in module.scale_convs)
    assert module(torch.randn(2, 16, 9, 11)).shape == (2, 16, 9, 11)


def test_multi_scale_follows_res2net():
    torch.manual_seed(0)
    module = SEFN(6, expansion_factor=1.5, bias=True)  # hidden 9, three groups of 3
    x = torch.randn(1, 9, 5, 5)
    x1, x2, x3 = x.chunk(3, dim=1)
    conv2, conv3 = module.scale_convs
    y2 = F.conv2d(x2, conv2.weight, conv2.bias, padding=1, groups=3)
    y3 = F.conv2d(x3 + y2, conv3.weight, conv3.bias, padding=1, groups=3)
    torch.testing.assert_close(module.multi_scale(x), torch.cat([x1, y2, y3], dim=1))


def test_spatial_attention_switch_changes_params_and_output():
    torch.manual_seed(0)
    with_sa = SEFN(12, expansion_factor=2, bias=False, spatial_attention=True)
    without_sa = FEEDFORWARDS.build(dict(type='SEFN', dim=12, expansion_factor=2, bias=False, spatial_attention=False))
    n_with = sum(p.numel() for p in with_sa.parameters())
    n_without = sum(p.numel() for p in without_sa.parameters())
    assert n_with - n_without == 2 * 7 * 7  # CBAM's 7x7 conv over [mean, max]
    missing, unexpected = without_sa.load_state_dict(with_sa.state_dict(), strict=False)
    assert not missing and unexpected == ['spatial_attention.conv.weight']
    x = torch.randn(2, 12, 8, 8)
    assert not torch.allclose(with_sa(x), without_sa(x), atol=1e-5)


def test_spatial_attention_is_cbam_gate():
    torch.manual_seed(0)
    module = SEFN(6, expansion_factor=1, bias=False)
    feat = torch.randn(2, 6, 7, 7)
    pooled = torch.stack([feat.mean(dim=1), feat.max(dim=1).values], dim=1)
    gate = torch.sigmoid(F.conv2d(pooled, module.spatial_attention.conv.weight, padding=3))
    torch.testing.assert_close(module.spatial_attention(feat), feat * gate)


def test_gated_mixer_without_sa_is_gdfn_and_with_sa_is_table3_row_e():
    torch.manual_seed(0)
    gdfn = GDFN(8, expansion_factor=2.66, bias=True)
    plain = SEFN(8, expansion_factor=2.66, bias=True, mixer='gated_dconv', spatial_attention=False)
    plain.load_state_dict(gdfn.state_dict())  # strict: same names and shapes
    with_sa = SEFN(8, expansion_factor=2.66, bias=True, mixer='gated_dconv', spatial_attention=True)
    with_sa.load_state_dict(gdfn.state_dict(), strict=False)
    x = torch.randn(2, 8, 6, 6)
    torch.testing.assert_close(plain(x), gdfn(x))
    assert not torch.allclose(with_sa(x), gdfn(x), atol=1e-5)


@pytest.mark.parametrize('mixer', ['res2net', 'gated_dconv'])
def test_gradients_reach_every_parameter(mixer):
    torch.manual_seed(0)
    module = SEFN(8, expansion_factor=2, bias=True, mixer=mixer)
    module(torch.randn(2, 8, 8, 8)).square().mean().backward()
    for name, param in module.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_invalid_options_raise():
    with pytest.raises(ValueError):
        SEFN(8, 2, False, scale=1)
    with pytest.raises(ValueError):
        SEFN(8, 2, False, sa_kernel_size=4)
    with pytest.raises(ValueError):
        SEFN(8, 2, False, mixer='mlp')
