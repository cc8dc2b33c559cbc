"""Mean absolute error, the ℓ1 row of CLIP-RPN Table 11 and the DDSA paper's loss (Sec. 3.2)."""
import torch

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES


@LOSSES.register_module()
class L1Loss(DerainLoss):
    """``mean(|pred - target|)``."""

    name = 'l1'

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (pred - target).abs().mean()
