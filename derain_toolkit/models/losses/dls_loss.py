"""Dynamic loss scheduling (DLS), CLIP-RPN Sec. 3.4, Eq. (14).

``l_τ(ε) = ε^p(τ)`` with ``p(τ) = β + η f(τ) / T``: an exponent below 1 early in
training (large gradients for small errors: smooth, low-frequency regions) that grows
past 1 (large errors: edges and details) as τ goes from 0 to T. τ is the current
iteration and T the schedule's total, set by ``TrainingProgressHook`` through
:meth:`DLSLoss.set_training_progress`.

The gradient ``p ε^(p-1)`` is infinite at ε = 0 while p < 1, so the error is smoothed
as in the Charbonnier loss: ``l = (ε² + δ²)^(p/2) − δ^p``. This is 0 at ε = 0, has a
finite gradient everywhere (at most about ``p δ^(p-1)``), and differs from ``ε^p`` by
less than ``δ^p`` (δ = 1e-3 by default).
"""
import math
import warnings

import torch

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES

_SCHEDULES = {
    'linear': lambda tau, total: tau,
    'quadratic': lambda tau, total: tau * tau / total,
    'cosine': lambda tau, total: total * (1 - math.cos(math.pi * tau / total)) / 2,
}


@LOSSES.register_module()
class DLSLoss(DerainLoss):
    """Args:
        beta: Exponent at τ = 0 (0.8 in the paper).
        eta: Exponent growth over training (2.3 in the paper): p(T) = β + η.
        schedule: f(τ): ``'linear'`` (the paper's, f(τ) = τ), ``'quadratic'`` (τ²/T) or
            ``'cosine'`` (T(1 − cos(πτ/T))/2); each maps [0, T] onto [0, T].
        delta: Smoothing of ε near 0 (see the module docstring).
        loss_weight: Multiplier of this term.
    """

    name = 'dls'

    def __init__(self, beta: float = 0.8, eta: float = 2.3, schedule: str = 'linear',
                 delta: float = 1e-3, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if schedule not in _SCHEDULES:
            raise ValueError(f'DLSLoss: schedule must be one of {sorted(_SCHEDULES)}, got {schedule!r}')
        self.beta = beta
        self.eta = eta
        self.schedule = schedule
        self.delta = delta
        self.cur_iter = 0
        self.max_iters: int | None = None
        self._warned = False

    def set_training_progress(self, cur_iter: int, max_iters: int) -> None:
        """Receive τ (``cur_iter``) and T (``max_iters``) from the training loop."""
        if max_iters <= 0:
            raise ValueError(f'DLSLoss: max_iters must be > 0, got {max_iters}')
        self.cur_iter = min(cur_iter, max_iters)
        self.max_iters = max_iters

    @property
    def exponent(self) -> float:
        """p(τ) = β + η f(τ) / T (β until the training progress is known)."""
        if self.max_iters is None:
            return self.beta
        return self.beta + self.eta * _SCHEDULES[self.schedule](self.cur_iter, self.max_iters) / self.max_iters

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.training and self.max_iters is None and not self._warned:
            self._warned = True
            warnings.warn('DLSLoss has no training progress (add TrainingProgressHook to custom_hooks); '
                          f'using the initial exponent beta={self.beta}', stacklevel=2)
        power = self.exponent
        err_sq = (pred - target).pow(2)
        return ((err_sq + self.delta**2).pow(power / 2) - self.delta**power).mean()
