"""Log-cosh loss, a smooth ℓ1: a plugin example registered from outside the toolkit.

``L = mean( log(cosh(pred - target)) )``. For a residual ``x`` it is about ``x²/2`` near
zero and ``|x| - log 2`` far from it (a Huber loss without a threshold to choose), and
its gradient ``tanh(x)`` is bounded. It is written as
``|x| + softplus(-2|x|) - log 2``, which equals ``log(cosh(x))`` but does not overflow
where ``cosh`` does (|x| > 89 in float32).
"""
import math

import torch
import torch.nn.functional as F

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES


@LOSSES.register_module()
class LogCoshLoss(DerainLoss):
    """``mean(log(cosh(pred - target)))``.

    Args:
        loss_weight: Multiplier of this term in the total loss.
    """

    name = 'log_cosh'

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        residual = (pred - target).abs()
        return (residual + F.softplus(-2 * residual) - math.log(2)).mean()
