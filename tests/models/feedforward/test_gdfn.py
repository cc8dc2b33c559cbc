import torch
import torch.nn.functional as F

from derain_toolkit.registry import FEEDFORWARDS


def test_gdfn_gating_and_width():
    torch.manual_seed(0)
    ffn = FEEDFORWARDS.build(dict(type='GDFN', dim=6, expansion_factor=2.66, bias=False))
    assert ffn.project_out.in_channels == int(6 * 2.66)
    x = torch.randn(2, 6, 4, 4)
    h = ffn.dwconv(ffn.project_in(x))
    hidden = ffn.project_out.in_channels
    expected = ffn.project_out(F.gelu(h[:, :hidden]) * h[:, hidden:])
    assert torch.allclose(ffn(x), expected)
