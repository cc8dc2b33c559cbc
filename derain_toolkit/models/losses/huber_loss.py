"""Huber loss, the Huber row of CLIP-RPN Table 11 (Fig. 3c)."""
import torch

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES


@LOSSES.register_module()
class HuberLoss(DerainLoss):
    """``0.5 ε²`` for ``ε = |pred - target| <= delta``, ``delta (ε - 0.5 delta)`` above, averaged.

    Args:
        delta: Where the quadratic part turns linear.
        loss_weight: Multiplier of this term.
    """

    name = 'huber'

    def __init__(self, delta: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if delta <= 0:
            raise ValueError(f'HuberLoss: delta must be > 0, got {delta}')
        self.delta = delta

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        err = (pred - target).abs()
        quadratic = 0.5 * err.pow(2)
        linear = self.delta * (err - 0.5 * self.delta)
        return torch.where(err <= self.delta, quadratic, linear).mean()
