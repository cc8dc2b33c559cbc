"""What every IR-SDE sampler shares: ``steps``, the time grid and the network-output conversion.

A sampler walks an :class:`~derain_toolkit.models.samplers.irsde_schedule.IRSDESchedule`
(diffusers' scheduler/model split): :meth:`IRSDESampler.set_timesteps` returns the times
``t_0 = T > t_1 > ... > t_M`` and :meth:`IRSDESampler.step` takes the state at ``t_{i−1}`` and
the network's output there to the state at ``t_i``. The generator keeps the loop, calls the
network once per step at ``t_{i−1}`` and hands each step a ``randn`` that draws the next
Gaussian of its seeded stream, so a sampler decides how many draws a step takes.
"""
from typing import Callable, Optional

import torch

from derain_toolkit.models.samplers.irsde_schedule import IRSDESchedule

Randn = Callable[[], torch.Tensor]


class IRSDESampler:
    """Base of the registered samplers (``SAMPLERS``).

    Args:
        steps: Network evaluations (reverse steps) per image, in ``[1, T]``; ``None`` means T.
    """

    def __init__(self, steps: Optional[int] = None) -> None:
        if steps is not None and (not isinstance(steps, int) or steps < 1):
            raise ValueError(f'{type(self).__name__}: model.generator.sampler.steps must be an int in [1, T] '
                             f'(T = model.generator.num_steps), got {steps!r}')
        self.steps = steps
        self._grid: list[int] = []

    def check(self, schedule: IRSDESchedule) -> None:
        """Raise if ``steps`` does not fit the schedule's T (called when the generator is built)."""
        if self.steps is not None and self.steps > schedule.num_steps:
            raise ValueError(f'{type(self).__name__}: model.generator.sampler.steps must be in '
                             f'[1, T = model.generator.num_steps = {schedule.num_steps}], got {self.steps}; '
                             f'set steps <= {schedule.num_steps}')

    def num_steps(self, schedule: IRSDESchedule) -> int:
        """M, the number of reverse steps (network calls) on ``schedule``."""
        return schedule.num_steps if self.steps is None else self.steps

    def set_timesteps(self, schedule: IRSDESchedule) -> torch.Tensor:
        """Times ``t_0..t_M`` (M + 1,) float32, from ``T`` down; resets any per-run state.

        Here the integer grid ``T, ..., 0`` in M near-equal strides (kept as ints in ``_grid``).
        """
        times = torch.linspace(schedule.num_steps, 0, self.num_steps(schedule) + 1).round()
        self._grid = [int(t) for t in times.tolist()]
        return times

    def step(self, schedule: IRSDESchedule, output: torch.Tensor, fit_target: str, i: int, x: torch.Tensor,
             mu: torch.Tensor, randn: Randn) -> torch.Tensor:
        """The state at ``t_i`` from ``x`` at ``t_{i−1}`` and the network output there.

        Args:
            schedule: The generator's schedule.
            output: The network's output at ``(x, t_{i−1})`` (B, 3, H, W).
            fit_target: What it predicts: ``'noise'`` (ε) or ``'clean'`` (``x̂0 − μ``).
            i: Step index, 1..M.
            x: State at ``t_{i−1}`` (B, 3, H, W).
            mu: Rainy images (B, 3, H, W).
            randn: Draws the next standard normal of the shape of ``x``.
        """
        raise NotImplementedError


def noise_of(schedule: IRSDESchedule, output: torch.Tensor, fit_target: str, x: torch.Tensor, mu: torch.Tensor,
             t: int) -> torch.Tensor:
    """The predicted noise ``ε̂`` of ``x`` at the integer time ``t`` from the network output."""
    if fit_target == 'noise':
        return output
    return schedule.noise_from_clean(x, mu, output, t)
