"""Edge loss, MPRNet's second term (Zamir et al., CVPR 2021, Sec. 3, Eq. 3).

``L_edge = sqrt(||Δ(pred) - Δ(target)||² + ε²)`` (elementwise, averaged: the Charbonnier
penalty of Eq. 2) where Δ is the Laplacian as the official ``Deraining/losses.py``
(``EdgeLoss``) computes it: one level of a Laplacian pyramid, ``Δ(x) = x - G(up(down(G(x))))``
with G the separable 5-tap Gaussian ``[.05, .25, .4, .25, .05]`` (replicate padding),
``down`` keeping every second row and column and ``up`` putting those samples back, times 4,
with zeros between them. MPRNet weights it by λ = 0.05 (``loss_weight``).
"""
import torch
import torch.nn.functional as F

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES

_TAPS = (0.05, 0.25, 0.4, 0.25, 0.05)


@LOSSES.register_module()
class EdgeLoss(DerainLoss):
    """Charbonnier penalty of the difference of the two images' Laplacians.

    Args:
        eps: Charbonnier smoothing (1e-3 in MPRNet).
        loss_weight: Multiplier of this term (0.05 in MPRNet).
    """

    name = 'edge'

    def __init__(self, eps: float = 1e-3, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if eps <= 0:
            raise ValueError(f'EdgeLoss: eps must be > 0, got {eps}')
        self.eps = eps

    @staticmethod
    def _gaussian(x: torch.Tensor) -> torch.Tensor:
        taps = torch.tensor(_TAPS, dtype=x.dtype, device=x.device)
        channels, pad = x.shape[1], len(_TAPS) // 2
        kernel = torch.outer(taps, taps).expand(channels, 1, len(_TAPS), len(_TAPS))  # (C, 1, 5, 5)
        return F.conv2d(F.pad(x, (pad, pad, pad, pad), mode='replicate'), kernel, groups=channels)

    def laplacian(self, x: torch.Tensor) -> torch.Tensor:
        """``x - G(up(down(G(x))))``, same shape as ``x``."""
        blurred = self._gaussian(x)
        upsampled = torch.zeros_like(blurred)
        upsampled[..., ::2, ::2] = 4 * blurred[..., ::2, ::2]
        return x - self._gaussian(upsampled)

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        diff = self.laplacian(pred) - self.laplacian(target)
        return torch.sqrt(diff**2 + self.eps**2).mean()
