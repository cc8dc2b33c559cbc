"""Pixel-wise rain confidence predicted from the rainy image.

CLIP-RPN Sec. 3.2, Eq. (3): ``M̂ = σ(W₂¹ˣ¹(δ(W₁³ˣ³(I))))`` with δ = GELU and σ = sigmoid.
One head per MGCA level: the input image is first brought to that level's feature
resolution (bilinear, anti-aliased when shrinking), so the map can weight the level's
features directly (Eq. 7). The paper does not give the hidden width of W₁; it is
``hidden_channels`` here (16 by default).
"""
import torch
import torch.nn.functional as F
from torch import nn


class RainMaskHead(nn.Module):
    """Args:
        in_channels: Image channels.
        hidden_channels: Output channels of the 3x3 convolution.
    """

    def __init__(self, in_channels: int = 3, hidden_channels: int = 16) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, hidden_channels, kernel_size=3, padding=1),
            nn.GELU(),
            nn.Conv2d(hidden_channels, 1, kernel_size=1),
            nn.Sigmoid(),
        )

    def forward(self, image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """Rain confidence (B, 1, *size) in (0, 1) of ``image`` (B, C, H, W)."""
        if tuple(image.shape[-2:]) != tuple(size):
            shrink = size[0] < image.shape[-2] or size[1] < image.shape[-1]
            image = F.interpolate(image, size=size, mode='bilinear', align_corners=False, antialias=shrink)
        return self.body(image)
