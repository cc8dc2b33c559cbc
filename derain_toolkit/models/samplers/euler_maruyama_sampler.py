"""Euler-Maruyama on the reverse-time SDE (DA-CLIP paper Sec. IV, Eq. (9); official ``sampling_mode: sde``)."""
from typing import Optional

import torch

from derain_toolkit.models.samplers.base_sampler import IRSDESampler, Randn, noise_of
from derain_toolkit.models.samplers.irsde_schedule import IRSDESchedule
from derain_toolkit.registry import SAMPLERS


@SAMPLERS.register_module()
class EulerMaruyamaSampler(IRSDESampler):
    """``x_s = x_t − [θ_{s:t} (μ − x_t) − σ_{s:t}² score] dt − σ_{s:t} sqrt(dt) z`` (Eq. 9).

    On the integer grid ``T, ..., 0`` in ``steps`` strides; with ``steps = T`` it is the official
    ``IRSDE.reverse_sde`` step for step, one Gaussian draw per step after the network call.

    Args:
        steps: Reverse steps in ``[1, T]`` (``None``: T, the official sampler).
        last_step_noise: Add the noise in the step that ends at ``t = 0`` (official); ``False``
            ends on the mean step (it costs several dB when a few large steps are taken) and
            draws nothing there.
    """

    def __init__(self, steps: Optional[int] = None, last_step_noise: bool = True) -> None:
        super().__init__(steps)
        self.last_step_noise = last_step_noise

    def step(self, schedule: IRSDESchedule, output: torch.Tensor, fit_target: str, i: int, x: torch.Tensor,
             mu: torch.Tensor, randn: Randn) -> torch.Tensor:
        t, s = self._grid[i - 1], self._grid[i]
        score = schedule.score_from_noise(noise_of(schedule, output, fit_target, x, mu, t), t)
        if s > 0 or self.last_step_noise:
            return schedule.reverse_sde_step(x, mu, score, t, randn(), s)
        return schedule.reverse_sde_step_mean(x, mu, score, t, s)
