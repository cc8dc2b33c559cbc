"""GDFN (Restormer Eq. 3) defaults: expansion 2.66 (hidden ``int(dim * 2.66)``) and no biases."""
import torch
import torch.nn.functional as F

from derain_toolkit.registry import FEEDFORWARDS


def test_defaults_and_forward():
    torch.manual_seed(0)
    ffn = FEEDFORWARDS.build(dict(type='GDFN', dim=8))
    assert ffn.project_in.weight.shape == (42, 8, 1, 1) and ffn.project_out.weight.shape == (8, 21, 1, 1)
    assert ffn.project_in.bias is None and ffn.dwconv.bias is None and ffn.project_out.bias is None
    x = torch.randn(1, 8, 4, 5)
    streams = F.conv2d(F.conv2d(x, ffn.project_in.weight), ffn.dwconv.weight, padding=1, groups=42)
    expected = F.conv2d(F.gelu(streams[:, :21]) * streams[:, 21:], ffn.project_out.weight)
    torch.testing.assert_close(ffn(x), expected, rtol=1e-5, atol=1e-5)
