"""Charbonnier loss, a smooth ℓ1: a plugin example registered from outside the toolkit.

Charbonnier et al., "Two deterministic half-quadratic regularization algorithms for
computed imaging" (ICIP 1994); the pixel loss of MPRNet (Zamir et al., CVPR 2021,
Eq. 2), one of the models CLIP-RPN compares against (Table 3):
``L = mean( sqrt((pred - target)^2 + eps^2) )``. It behaves like ℓ2 for residuals
below ``eps`` and like ℓ1 above, so its gradient is defined at zero.
"""
import torch

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES


@LOSSES.register_module()
class CharbonnierLoss(DerainLoss):
    """``mean(sqrt((pred - target)^2 + eps^2))``.

    Args:
        eps: Smoothing constant (MPRNet uses 1e-3 on images in [0, 1]).
        loss_weight: Multiplier of this term in the total loss.
    """

    name = 'charbonnier'

    def __init__(self, eps: float = 1e-3, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        if eps <= 0:
            raise ValueError(f'CharbonnierLoss: eps must be > 0, got {eps}')
        self.eps = eps

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return torch.sqrt((pred - target) ** 2 + self.eps ** 2).mean()
