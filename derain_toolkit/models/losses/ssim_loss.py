"""Negative SSIM, PReNet's training loss (Ren et al., CVPR 2019, Sec. 3, learning objective).

``L = -SSIM(x^T, x_gt)`` with the SSIM of Wang et al. (2004) as the official
csdwren/PReNet ``SSIM.py`` computes it on the network's [0, 1] images: an 11 x 11
Gaussian window (σ = 1.5) applied per channel with zero padding (same-size maps),
C1 = 0.01², C2 = 0.03², the mean of the SSIM map over pixels, channels and the batch.
Differentiable, unlike the evaluation SSIM of ``evaluation/functional.py`` (MATLAB's
protocol on 8-bit Y, 'valid' filtering), which scores the results.
"""
import torch
import torch.nn.functional as F

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES


def _gaussian_window(size: int, sigma: float, like: torch.Tensor) -> torch.Tensor:
    """Normalised ``size x size`` Gaussian, (size, size), in ``like``'s dtype and device."""
    coords = torch.arange(size, dtype=like.dtype, device=like.device) - size // 2
    profile = torch.exp(-coords**2 / (2 * sigma**2))
    profile = profile / profile.sum()
    return torch.outer(profile, profile)


@LOSSES.register_module()
class SSIMLoss(DerainLoss):
    """``-mean(SSIM map(pred, target))`` (a perfect prediction scores -1).

    Args:
        window_size: Side of the Gaussian window (11).
        sigma: Its standard deviation (1.5).
        loss_weight: Multiplier of this term.
    """

    name = 'ssim'

    def __init__(self, window_size: int = 11, sigma: float = 1.5, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if window_size < 1 or window_size % 2 == 0:
            raise ValueError(f'SSIMLoss: window_size must be odd and positive, got {window_size}')
        self.window_size = window_size
        self.sigma = sigma

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        channels, size = pred.shape[1], self.window_size
        window = _gaussian_window(size, self.sigma, pred).expand(channels, 1, size, size)  # (C, 1, k, k)

        def blur(x: torch.Tensor) -> torch.Tensor:
            return F.conv2d(x, window, padding=size // 2, groups=channels)

        c1, c2 = 0.01**2, 0.03**2
        mu_p, mu_t = blur(pred), blur(target)
        var_p = blur(pred * pred) - mu_p**2
        var_t = blur(target * target) - mu_t**2
        cov = blur(pred * target) - mu_p * mu_t
        ssim_map = ((2 * mu_p * mu_t + c1) * (2 * cov + c2)) / ((mu_p**2 + mu_t**2 + c1) * (var_p + var_t + c2))
        return -ssim_map.mean()
