"""Frequency-domain ℓ1 loss, NeRD-Rain's FFT term.

NeRD-Rain (Chen et al., CVPR 2024), Sec. 3.4: the mean modulus of the difference of the two
images' 2-D discrete Fourier transforms (over the last two axes, unnormalised):
``L = mean |FFT(pred) - FFT(target)|``. Official: cschenxiang/NeRD-Rain at 295f4fd,
``losses.py``, ``fftLoss``; ``train.py`` weights it by 0.01 at each of three scales.
"""
import torch

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES


@LOSSES.register_module()
class FFTLoss(DerainLoss):
    """``mean(|fft2(pred) - fft2(target)|)`` over every batch, channel and frequency."""

    name = 'fft'

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (torch.fft.fft2(pred) - torch.fft.fft2(target)).abs().mean()
