"""Pixel-(un)shuffle resampling of the Restormer U-Net (Zamir et al., CVPR 2022, Fig. 2)."""
import torch
from torch import nn


class Downsample(nn.Module):
    """Halve the resolution and double the channels: conv3x3 (C -> C/2), PixelUnshuffle(2)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(dim, dim // 2, kernel_size=3, padding=1, bias=False), nn.PixelUnshuffle(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # (B, 2C, H/2, W/2)


class Upsample(nn.Module):
    """Double the resolution and halve the channels: conv3x3 (C -> 2C), PixelShuffle(2).

    Args:
        dim: Input channels ``C``.
        bias: Bias in the convolution (Restormer: none; FADformer: one).
        padding_mode: The convolution's padding (Restormer ``'zeros'``, FADformer ``'reflect'``).
    """

    def __init__(self, dim: int, bias: bool = False, padding_mode: str = 'zeros') -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(dim, dim * 2, kernel_size=3, padding=1, bias=bias, padding_mode=padding_mode),
            nn.PixelShuffle(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # (B, C/2, 2H, 2W)
