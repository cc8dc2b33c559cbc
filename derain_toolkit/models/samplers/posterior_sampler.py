"""The closed-form posterior sampler of IR-SDE (official ``sampling_mode: posterior``, both official test options)."""
import torch

from derain_toolkit.models.samplers.base_sampler import IRSDESampler, Randn, noise_of
from derain_toolkit.models.samplers.irsde_schedule import IRSDESchedule
from derain_toolkit.registry import SAMPLERS


@SAMPLERS.register_module()
class PosteriorSampler(IRSDESampler):
    """A draw of ``p(x_s | x_t, x̂0)`` per step, ``x̂0`` from the predicted noise by Eq. (7).

    Mean ``x*_s`` and standard deviation of :meth:`IRSDESchedule.reverse_optimum_step` /
    ``reverse_optimum_std`` (the product of the Eq. 7 kernels ``x0 → x_s → x_t``; the variance is
    clamped at ``1e-20 dt``, so the step to ``t = 0`` is noiseless). On the integer grid
    ``T, ..., 0`` in ``steps`` strides; ``steps = T`` is the official ``reverse_posterior`` step for
    step, one Gaussian draw per step after the network call (the last one included).

    Args:
        steps: Reverse steps in ``[1, T]`` (``None``: T, the official sampler).
    """

    def step(self, schedule: IRSDESchedule, output: torch.Tensor, fit_target: str, i: int, x: torch.Tensor,
             mu: torch.Tensor, randn: Randn) -> torch.Tensor:
        t, s = self._grid[i - 1], self._grid[i]
        noise = noise_of(schedule, output, fit_target, x, mu, t)
        return schedule.reverse_posterior_step(x, mu, noise, t, randn(), s)
