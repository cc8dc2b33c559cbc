"""Pixel-wise rain confidence predicted from the rainy image.

CLIP-RPN Sec. 3.2, Eq. (3): ``M̂ = σ(W₂¹ˣ¹(δ(W₁³ˣ³(I))))`` with δ = GELU and σ = sigmoid.
One head per MGCA level: the input image is first brought to that level's feature
resolution (bilinear, anti-aliased when shrinking), so the map can weight the level's
features directly (Eq. 7). The paper does not give the hidden width of W₁; it is
``hidden_channels`` here (16 by default).

The head returns the logits ``W₂(δ(W₁(I)))``, i.e. Eq. (3) without its σ; :meth:`RainMaskHead.probability`
applies σ in float32. Under mixed precision the logits come out of autocast in
bfloat16/float16, where σ rounds confident values to exactly 1 (bfloat16 from a logit
of about 6, float16 from about 8): the BCE of Eq. (5) on such a probability is clamped
(zero gradient) or NaN. Taking the BCE on the logits in float32 (``RainMaskBCELoss``)
keeps it exact; the probability is what MGCA (Eq. 7) and the mask display use.

Alignment: the caller passes the image padded exactly as the U-Net pads it, so the
resize to the level's grid is by the level's whole stride and cell ``(i, j)`` covers
image pixels ``[i*s, (i+1)*s) x [j*s, (j+1)*s)``, as the feature does.
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
        )

    def forward(self, image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """Rain logits (B, 1, *size) of ``image`` (B, C, H, W), padded as the features are."""
        if tuple(image.shape[-2:]) != tuple(size):
            shrink = size[0] < image.shape[-2] or size[1] < image.shape[-1]
            image = F.interpolate(image, size=size, mode='bilinear', align_corners=False, antialias=shrink)
        return self.body(image)

    @staticmethod
    def probability(logits: torch.Tensor) -> torch.Tensor:
        """Eq. (3)'s σ, in float32: the rain confidence ``M̂`` in (0, 1)."""
        return torch.sigmoid(logits.float())
