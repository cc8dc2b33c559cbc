"""Mean squared error, the ℓ2 row of CLIP-RPN Table 11."""
import torch

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES


@LOSSES.register_module()
class L2Loss(DerainLoss):
    """``mean((pred - target)**2)``."""

    name = 'l2'

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (pred - target).pow(2).mean()
