"""The Fourier unit: a 1x1 convolution on the real and imaginary parts of the image spectrum.

Fast Fourier convolution's spectral transform (Chi et al., NeurIPS 2020, Sec. 3.2), as
FADformer's Fused Fourier Conv Mixer uses it (Gao et al., "Efficient Frequency-Domain
Image Deraining with Contrastive Regularization", ECCV 2024; official
deng-ai-lab/FADformer ``models/FADformer.py``, ``FourierUnit``).
"""
import torch
from torch import nn


class FourierUnit(nn.Module):
    """``irfft2(ReLU(BN(conv1x1(interleave(rfft2(x))))))``, both transforms ``norm='ortho'``.

    The real and imaginary parts are interleaved per channel (``c0.re, c0.im, c1.re, ...``)
    before the 1x1 convolution, as the official code stacks them, so released weights act on
    the same channel order.

    Args:
        in_channels: Channels of the input image.
        out_channels: Channels of the output image.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels * 2, out_channels * 2, kernel_size=1, bias=False)
        self.norm = nn.BatchNorm2d(out_channels * 2)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = x.shape
        spectrum = torch.fft.rfft2(x, norm='ortho')  # (B, C, H, W/2+1) complex
        parts = torch.view_as_real(spectrum).permute(0, 1, 4, 2, 3)  # (B, C, 2, H, W/2+1)
        parts = parts.reshape(batch, -1, *spectrum.shape[-2:])  # (B, 2C, H, W/2+1): c0.re, c0.im, c1.re, ...
        parts = self.relu(self.norm(self.conv(parts)))  # (B, 2C', H, W/2+1)
        parts = parts.view(batch, -1, 2, *spectrum.shape[-2:]).permute(0, 1, 3, 4, 2)  # (B, C', H, W/2+1, 2)
        return torch.fft.irfft2(torch.view_as_complex(parts.contiguous()), s=(height, width), norm='ortho')
