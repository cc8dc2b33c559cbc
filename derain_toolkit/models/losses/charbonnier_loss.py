"""Charbonnier loss, MPRNet's pixel term (Zamir et al., CVPR 2021, Sec. 3, Eq. 2).

Charbonnier et al., "Two deterministic half-quadratic regularization algorithms for
computed imaging" (ICIP 1994): a smooth ℓ1 that behaves like ℓ2 for residuals below
``eps`` and like ℓ1 above, so its gradient is defined (zero) at zero residual.
The paper writes ``sqrt(||X_S - Y||² + ε²)`` with ε = 1e-3; we follow the official code
(github.com/swz30/MPRNet at 43feb2a, ``Deraining/losses.py``, ``CharbonnierLoss``,
``eps=1e-3``), which applies the square root per element and averages:
``L = mean( sqrt((pred - target)² + eps²) )``.
"""
import torch

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES


@LOSSES.register_module()
class CharbonnierLoss(DerainLoss):
    """``mean(sqrt((pred - target)^2 + eps^2))``.

    Args:
        eps: Smoothing constant (1e-3 in MPRNet, on images in [0, 1]).
        loss_weight: Multiplier of this term in the total loss.
    """

    name = 'charbonnier'

    def __init__(self, eps: float = 1e-3, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if eps <= 0:
            raise ValueError(f'CharbonnierLoss: eps must be > 0, got {eps}')
        self.eps = eps

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return torch.sqrt((pred - target)**2 + self.eps**2).mean()
