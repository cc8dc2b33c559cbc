"""SEFN forward against a hand-written reference of the DDSA paper's Sec. 2.3 as wired in the module docstring.

``project_in (1x1) -> Res2Net split (y1 = x1, y2 = K2(x2), y3 = K3(x3 + y2)) -> concat -> GELU
-> CBAM spatial attention x * σ(conv7x7([mean_c x, max_c x])) -> project_out (1x1)``; the
gated body (Table 3 row e) is ``GELU(gate) * value`` of a depth-wise conv in its place.
The convolutions use the module's weights; the wiring, GELU (erf form), the sigmoid and the
pooled maps are written out here.
"""
import math

import pytest
import torch
import torch.nn.functional as F

from derain_toolkit.registry import FEEDFORWARDS


def _gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def _conv(conv: torch.nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    return F.conv2d(x, conv.weight, conv.bias, padding=conv.kernel_size[0] // 2, groups=conv.groups)


def _spatial_attention(conv: torch.nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    mean_map = sum(x[:, c] for c in range(x.shape[1])) / x.shape[1]
    max_map = torch.stack([x[:, c] for c in range(x.shape[1])]).max(dim=0).values
    gate = 1 / (1 + torch.exp(-_conv(conv, torch.stack([mean_map, max_map], dim=1))))
    return x * gate


def _build(**options):
    torch.manual_seed(0)
    module = FEEDFORWARDS.build(dict(type='SEFN', dim=6, bias=True, **options))
    with torch.no_grad():
        for param in module.parameters():
            param.copy_(torch.randn_like(param) * 0.5)
    return module


def test_res2net_sefn_matches_the_reference():
    module = _build(expansion_factor=1.5)  # hidden 9: three groups of 3
    x = torch.randn(2, 6, 5, 7)
    hidden = _conv(module.project_in, x)
    x1, x2, x3 = hidden[:, 0:3], hidden[:, 3:6], hidden[:, 6:9]
    y2 = _conv(module.scale_convs[0], x2)
    y3 = _conv(module.scale_convs[1], x3 + y2)
    mixed = _gelu(torch.cat([x1, y2, y3], dim=1))
    expected = _conv(module.project_out, _spatial_attention(module.spatial_attention.conv, mixed))
    torch.testing.assert_close(module(x), expected, rtol=1e-5, atol=1e-5)


def test_msfn_ablation_has_no_spatial_attention():
    module = _build(expansion_factor=1.5, spatial_attention=False)
    x = torch.randn(2, 6, 5, 7)
    hidden = _conv(module.project_in, x)
    y2 = _conv(module.scale_convs[0], hidden[:, 3:6])
    y3 = _conv(module.scale_convs[1], hidden[:, 6:9] + y2)
    expected = _conv(module.project_out, _gelu(torch.cat([hidden[:, 0:3], y2, y3], dim=1)))
    torch.testing.assert_close(module(x), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('spatial_attention', [True, False])
def test_gated_body_matches_the_reference(spatial_attention):
    module = _build(expansion_factor=2, mixer='gated_dconv', spatial_attention=spatial_attention)
    x = torch.randn(2, 6, 5, 7)
    streams = _conv(module.dwconv, _conv(module.project_in, x))
    mixed = _gelu(streams[:, :12]) * streams[:, 12:]
    if spatial_attention:
        mixed = _spatial_attention(module.spatial_attention.conv, mixed)
    torch.testing.assert_close(module(x), _conv(module.project_out, mixed), rtol=1e-5, atol=1e-5)


def test_two_group_split_and_default_width_rounding():
    module = _build(expansion_factor=1, scale=2)  # hidden 6: two groups of 3, y2 = K2(x2)
    x = torch.randn(1, 6, 4, 4)
    hidden = _conv(module.project_in, x)
    mixed = _gelu(torch.cat([hidden[:, :3], _conv(module.scale_convs[0], hidden[:, 3:])], dim=1))
    expected = _conv(module.project_out, _spatial_attention(module.spatial_attention.conv, mixed))
    torch.testing.assert_close(module(x), expected, rtol=1e-5, atol=1e-5)
    default = FEEDFORWARDS.build(dict(type='SEFN', dim=8, expansion_factor=2.66, bias=False))
    assert default.project_in.out_channels == 24 and len(default.scale_convs) == 2  # 21.28 -> 24 = 3 x 8
    assert default.spatial_attention.conv.weight.shape == (1, 2, 7, 7)
