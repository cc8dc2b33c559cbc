"""PGFN written out from its description: hidden halves gated by two prior maps, the prior updated from the gates."""
import pytest
import torch
import torch.nn.functional as F

from derain_toolkit.registry import FEEDFORWARDS


def _conv(seq, x):
    conv = seq[0]
    pad = conv.kernel_size[0] // 2
    return F.conv2d(F.pad(x, (pad,) * 4, mode='reflect') if pad else x, conv.weight, conv.bias, groups=conv.groups)


def test_prior_gated_ffn_equals_its_equations():
    torch.manual_seed(0)
    ffn = FEEDFORWARDS.build(dict(type='PriorGatedFFN', dim=8))  # hidden 16, prior width 4, gates from 2 + 2
    x, prior = torch.randn(2, 8, 6, 7), torch.rand(2, 1, 6, 7)
    out, next_prior = ffn(x, prior)
    h = F.gelu(_conv(ffn.dwconv, F.gelu(_conv(ffn.project_in, x))))
    p = F.gelu(_conv(ffn.prior_in, prior))
    g1, g2 = torch.sigmoid(_conv(ffn.gate3, p[:, :2])), torch.sigmoid(_conv(ffn.gate5, p[:, 2:]))
    expected = F.gelu(_conv(ffn.project_out, torch.cat([g1 * h[:, :8], g2 * h[:, 8:]], 1)))
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(next_prior, F.gelu(_conv(ffn.prior_out, torch.cat([g1, g2], 1))))
    assert ffn.gate3[0].kernel_size == (3, 3) and ffn.gate5[0].kernel_size == (5, 5)


def test_hidden_width_must_split_into_gated_halves():
    with pytest.raises(ValueError, match='multiple of 8'):
        FEEDFORWARDS.build(dict(type='PriorGatedFFN', dim=6))
