"""Restormer's Downsample/Upsample (conv3x3 then pixel-(un)shuffle) against index formulas."""
import torch
import torch.nn.functional as F

from derain_toolkit.models.layers.sampling import Downsample, Upsample


def test_downsample_is_conv_to_half_channels_then_unshuffle():
    torch.manual_seed(0)
    down = Downsample(4)
    x = torch.randn(1, 4, 4, 6)
    conv = down.body[0]
    assert conv.weight.shape == (2, 4, 3, 3) and conv.bias is None
    y = F.conv2d(x, conv.weight, padding=1)  # (1, 2, 4, 6)
    out = down(x)
    assert out.shape == (1, 8, 2, 3)
    for c in range(2):
        for dy in range(2):
            for dx in range(2):
                torch.testing.assert_close(out[0, c * 4 + dy * 2 + dx], y[0, c, dy::2, dx::2])


def test_upsample_is_conv_to_double_channels_then_shuffle():
    torch.manual_seed(0)
    up = Upsample(4)
    x = torch.randn(1, 4, 2, 3)
    conv = up.body[0]
    assert conv.weight.shape == (8, 4, 3, 3) and conv.bias is None
    y = F.conv2d(x, conv.weight, padding=1)  # (1, 8, 2, 3)
    out = up(x)
    assert out.shape == (1, 2, 4, 6)
    for c in range(2):
        for dy in range(2):
            for dx in range(2):
                torch.testing.assert_close(out[0, c, dy::2, dx::2], y[0, c * 4 + dy * 2 + dx])
