"""The IR-SDE schedule and its closed forms (DA-CLIP paper Sec. IV, Eqs. (5)-(10)), apart from the samplers.

Forward SDE (Eq. 5): ``dx = θ_t (μ − x) dt + σ_t dw`` with ``σ_t² / θ_t = 2λ²``, where the
mean ``μ`` is the rainy image and ``x(0)`` the clean one. Its transition kernel (Eqs. 6-8)
from time ``s`` to ``t`` is Gaussian with mean ``m_{s:t} = μ + (x(s) − μ) e^{−θ̄_{s:t}}`` and
variance ``v_{s:t} = λ² (1 − e^{−2θ̄_{s:t}})``. Restoration integrates the reverse-time SDE
(Eq. 9) with the score of Eq. (10), ``∇ log p_t(x | x0) = −(x − m_t) / v_t``, estimated by a
network. This object holds θ, σ, θ̄, σ̄ and dt and every closed form; the registered samplers
(``SAMPLERS``) walk it, the way diffusers separates its schedulers from its models.

Equal to the official code, quantity for quantity: ``IRSDE`` of ``codes/utils/sde_utils.py`` in
Algolzw/image-restoration-sde (commit 2598d73) and of ``universal-image-restoration/utils/
sde_utils.py`` in Algolzw/daclip-uir (commit c2cc141), checked against their outputs in
``tests/fixtures/official/irsde_sde_io.pt``. The method names follow the official ones
(``mu_bar``, ``sigma_bar``, ``reverse_sde_step_mean``, ``reverse_sde_step``,
``reverse_optimum_step``, ``reverse_optimum_std``, ``init_state_from_noise`` =
``get_init_state_from_noise``, ``reverse_posterior_step``, ``noise_state``); they take ``μ``
as an argument where the official class keeps it as state (``set_mu``), and the random draw
``z`` as an argument where the official one calls ``torch.randn_like``. Facts the paper leaves
out, taken from that code:
    * Discrete time ``t = 0..T`` (T = 100). The θ schedule is the improved-DDPM cosine one
      (``s = 0.008``) on ``T + 2`` intervals, ``θ_t = 1 − ᾱ_{t+1}/ᾱ_0``; ``θ̄_t = Σ_{k=1..t} θ_k``
      (the cumsum minus ``θ_0``, so ``θ̄_0 = 0``); the step length ``dt = −ln(eps) / θ̄_T``
      (eps 0.005) makes ``e^{−θ̄_T dt} = eps``. In the formulas, ``θ̄_t`` means ``θ̄_t dt``.
      All schedule arrays and ``dt`` (a 0-dim tensor) are float32, computed with the
      official op order: a float64 derivation differs by up to 7.5e-5 relative.
    * ``shift_theta_bar=False`` is the MR Sampler repository's own copy of this class
      (grrrute/mr-sampler 896764c), which comments the ``− θ_0`` out: ``θ̄_t = Σ_{k=0..t} θ_k``,
      ``σ̄_0 > 0`` and its own ``dt``. The MR Sampler follows it to equal the official outputs.
    * ``λ`` (``stationary_std``, official ``max_sigma / 255``) is 10/255 for IR-SDE deraining
      and 50/255 in DA-CLIP.
    * The network predicts the normalised noise ``ε`` of ``x_t = m_t + σ̄_t ε`` with
      ``σ̄_t = sqrt(v_t)``; the score is ``−ε / σ̄_t``.
    * ``x*_{t−1}``, the mean of ``p(x_{t−1} | x_t, x0)`` (the product of the Eq. 7 kernels
      ``x0 → x_{t−1} → x_t``), is the training target and the posterior sampler's mean.
    * Sampling starts at ``x_T = μ + λ z`` (``noise_state``).

A step from ``t`` to ``s < t`` (the samplers' fewer-than-T steps) uses the stride
``θ_{s:t} = θ̄_t − θ̄_s`` in place of ``θ_t``; for ``s = t − 1`` it is ``θ_t`` itself.

As a mean-reverting diffusion (MR Sampler paper, Li et al., ICLR 2025, Sec. 3):
``x_t = α_t x0 + (1 − α_t) μ + σ_t ε`` with ``α_t = e^{−θ̄_t}``, ``σ_t = σ̄_t`` and the half
log-SNR ``λ_t = log α_t − log σ_t`` (:meth:`alpha`, :meth:`lambda_`).
"""
import math
from typing import Union

import torch
from torch import nn

Step = Union[int, torch.Tensor]


def _cosine_thetas(num_steps: int, s: float = 0.008) -> torch.Tensor:
    """θ_0..θ_T from the improved-DDPM cosine ᾱ schedule on ``T + 2`` intervals (float32, official ops)."""
    intervals = num_steps + 2
    x = torch.linspace(0, intervals, intervals + 1, dtype=torch.float32)
    alphas_cumprod = torch.cos(((x / intervals) + s) / (1 + s) * math.pi * 0.5) ** 2
    alphas_cumprod = alphas_cumprod / alphas_cumprod[0]
    return 1 - alphas_cumprod[1:-1]  # (T + 1,)


def _linear_thetas(num_steps: int) -> torch.Tensor:
    """θ_0..θ_T rising linearly (DDPM β range scaled to ``T + 1`` steps, float32, official ops)."""
    scale = 1000 / (num_steps + 1)
    return torch.linspace(scale * 0.0001, scale * 0.02, num_steps + 1, dtype=torch.float32)


THETA_SCHEDULES = {'cosine': _cosine_thetas, 'linear': _linear_thetas}


def interpolate(x: torch.Tensor, xp: torch.Tensor, fp: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear ``f(x)`` through the knots ``(xp, fp)`` (``xp`` increasing), extended
    linearly beyond the end knots (DPM-Solver's ``interpolate_fn``, which the MR Sampler uses)."""
    idx = torch.searchsorted(xp, x.contiguous(), right=True).clamp(1, xp.numel() - 1) - 1
    x0, x1, y0, y1 = xp[idx], xp[idx + 1], fp[idx], fp[idx + 1]
    return y0 + (x - x0) * (y1 - y0) / (x1 - x0)


class IRSDESchedule(nn.Module):
    """θ, σ, θ̄, σ̄, dt of the mean-reverting SDE and its closed forms (DA-CLIP Sec. IV, Eqs. 5-10).

    Times ``t`` are an int (one time for the batch), a LongTensor of B times (any shape with B
    elements), or a float tensor of B times between the integer knots (linear interpolation of
    the arrays, as the MR Sampler's non-integer time steps). ``s`` (the end of a strided step)
    is an int, and ``None`` means ``t − 1``.

    Args:
        stationary_std: λ of Eq. (5), the stationary standard deviation, in [0, 1] image units.
        num_steps: T, the number of discrete time steps.
        eps: Terminal mean-reversion residual ``e^{−θ̄_T dt}``; sets ``dt``.
        theta_schedule: ``'cosine'`` (official) or ``'linear'``.
        shift_theta_bar: ``θ̄_t = Σ_{k=1..t} θ_k`` (IR-SDE and DA-CLIP, ``θ̄_0 = 0``); ``False`` is
            the MR Sampler's copy, ``Σ_{k=0..t} θ_k``.
    """

    def __init__(self, stationary_std: float = 10 / 255, num_steps: int = 100, eps: float = 0.005,
                 theta_schedule: str = 'cosine', shift_theta_bar: bool = True) -> None:
        super().__init__()
        if theta_schedule not in THETA_SCHEDULES:
            raise ValueError(f'IRSDESchedule: model.generator.schedule must be one of {sorted(THETA_SCHEDULES)}, '
                             f'got {theta_schedule!r}')
        if not 0 < eps < 1:
            raise ValueError(f'IRSDESchedule: model.generator.eps must be in (0, 1), got {eps}')
        self.stationary_std = float(stationary_std)
        self.num_steps = num_steps
        self.eps = eps
        self.theta_schedule = theta_schedule
        self.shift_theta_bar = shift_theta_bar

        # The official schedule, op for op in float32 (IRSDE._initialize).
        max_sigma = self.stationary_std
        thetas = THETA_SCHEDULES[theta_schedule](num_steps)  # (T + 1,)
        sigmas = torch.sqrt(max_sigma ** 2 * 2 * thetas)
        thetas_cumsum = torch.cumsum(thetas, dim=0)
        if shift_theta_bar:
            thetas_cumsum = thetas_cumsum - thetas[0]  # θ̄_0 = 0
        dt = -1 / thetas_cumsum[-1] * math.log(eps)  # 0-dim float32
        sigma_bars = torch.sqrt(max_sigma ** 2 * (1 - torch.exp(-2 * thetas_cumsum * dt)))
        for name, value in (('thetas', thetas), ('sigmas', sigmas), ('thetas_cumsum', thetas_cumsum),
                            ('sigma_bars', sigma_bars), ('dt', dt)):
            self.register_buffer(name, value, persistent=False)

    def variant(self, **changes) -> 'IRSDESchedule':
        """The same schedule with some constructor arguments changed, on the same device."""
        args = dict(stationary_std=self.stationary_std, num_steps=self.num_steps, eps=self.eps,
                    theta_schedule=self.theta_schedule, shift_theta_bar=self.shift_theta_bar)
        args.update(changes)
        return IRSDESchedule(**args).to(self.dt.device)

    def _at(self, values: torch.Tensor, t: Step) -> torch.Tensor:
        """``values[t]``: 0-dim for an int ``t``, (B, 1, 1, 1) for a tensor of B times (interpolated if float)."""
        if isinstance(t, int):
            return values[t]
        t = t.reshape(-1)
        if t.is_floating_point():
            knots = torch.arange(self.num_steps + 1, device=values.device, dtype=values.dtype)
            return interpolate(t.to(values.dtype), knots, values).view(-1, 1, 1, 1)
        return values[t].view(-1, 1, 1, 1)

    @property
    def times(self) -> torch.Tensor:
        """The integer knots ``0..T`` as float32 (T + 1,)."""
        return torch.arange(self.num_steps + 1, device=self.dt.device, dtype=torch.float32)

    def alpha(self) -> torch.Tensor:
        """``α_t = e^{−θ̄_t dt}`` at ``t = 0..T`` (T + 1,), the MR Sampler's ``alpha()``."""
        return torch.exp(-self.thetas_cumsum * self.dt)

    def lambda_(self) -> torch.Tensor:
        """The half log-SNR ``λ_t = log α_t − log σ̄_t`` at ``t = 0..T`` (T + 1,); +inf at t = 0 if θ̄_0 = 0."""
        return torch.log(self.alpha()) - torch.log(self.sigma_bars)

    def _stride_theta(self, t: Step, s: Union[int, None]) -> torch.Tensor:
        """``θ_{s:t} = θ̄_t − θ̄_s`` of a step from ``t`` to ``s``; exactly ``θ_t`` for ``s = t − 1``."""
        if s is None or (isinstance(t, int) and t - s == 1):
            return self._at(self.thetas, t)
        if not isinstance(t, int):
            raise TypeError(f'IRSDESchedule: a strided step (s={s}) needs an int t, got a tensor')
        return self.thetas_cumsum[t] - self.thetas_cumsum[s]

    def _cumsum_before(self, t: Step, s: Union[int, None]) -> torch.Tensor:
        """``θ̄_s`` (``θ̄_{t−1}`` when ``s`` is None)."""
        return self._at(self.thetas_cumsum, t - 1 if s is None else s)

    def mu_bar(self, x0: torch.Tensor, mu: torch.Tensor, t: Step) -> torch.Tensor:
        """Eq. (8) mean ``m_t = μ + (x0 − μ) e^{−θ̄_t}``."""
        return mu + (x0 - mu) * torch.exp(-self._at(self.thetas_cumsum, t) * self.dt)

    def sigma_bar(self, t: Step) -> torch.Tensor:
        """Eq. (8) standard deviation ``σ̄_t = λ sqrt(1 − e^{−2θ̄_t})``."""
        return self._at(self.sigma_bars, t)

    def score_from_noise(self, noise: torch.Tensor, t: Step) -> torch.Tensor:
        """Eq. (10) with ``x_t − m_t = σ̄_t ε``: ``score = −ε / σ̄_t``."""
        return -noise / self.sigma_bar(t)

    def noise_from_clean(self, xt: torch.Tensor, mu: torch.Tensor, clean_residual: torch.Tensor,
                         t: Step) -> torch.Tensor:
        """Eq. (7) solved for the noise of ``x_t`` given ``x̂0 − μ``: ``ε̂ = ((x_t − μ) − (x̂0 − μ) e^{−θ̄_t}) / σ̄_t``."""
        return ((xt - mu) - clean_residual * torch.exp(-self._at(self.thetas_cumsum, t) * self.dt)) / self.sigma_bar(t)

    def init_state_from_noise(self, xt: torch.Tensor, mu: torch.Tensor, noise: torch.Tensor,
                              t: Step) -> torch.Tensor:
        """Eq. (7) solved for the clean image: ``x̂0 = μ + (x_t − μ − σ̄_t ε) e^{θ̄_t}``."""
        return (xt - mu - self.sigma_bar(t) * noise) * torch.exp(self._at(self.thetas_cumsum, t) * self.dt) + mu

    def noise_state(self, mu: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The initial state ``x_T = μ + λ z`` of the test scripts."""
        return mu + z * self.stationary_std

    def reverse_sde_step_mean(self, x: torch.Tensor, mu: torch.Tensor, score: torch.Tensor, t: Step,
                              s: Union[int, None] = None) -> torch.Tensor:
        """The drift part of one Euler-Maruyama step of Eq. (9):
        ``x − [θ_{s:t} (μ − x) − σ_{s:t}² score] dt`` with ``σ_{s:t}² = 2λ² θ_{s:t}``."""
        theta = self._stride_theta(t, s)
        sigma = torch.sqrt(self.stationary_std ** 2 * 2 * theta)
        return x - (theta * (mu - x) - sigma ** 2 * score) * self.dt

    def reverse_sde_step(self, x: torch.Tensor, mu: torch.Tensor, score: torch.Tensor, t: Step,
                         z: torch.Tensor, s: Union[int, None] = None) -> torch.Tensor:
        """One Euler-Maruyama step of Eq. (9): the mean step minus ``σ_{s:t} sqrt(dt) z``."""
        sigma = torch.sqrt(self.stationary_std ** 2 * 2 * self._stride_theta(t, s))
        return self.reverse_sde_step_mean(x, mu, score, t, s) - sigma * (z * math.sqrt(self.dt))

    def reverse_optimum_step(self, xt: torch.Tensor, x0: torch.Tensor, mu: torch.Tensor, t: Step,
                             s: Union[int, None] = None) -> torch.Tensor:
        """The mean of ``p(x_s | x_t, x0)`` (the product of the Eq. 7 kernels ``x0 → x_s → x_t``):

        ``μ + A (1 − C²)/(1 − B²) (x_t − μ) + C (1 − A²)/(1 − B²) (x0 − μ)`` with
        ``A = e^{−θ_{s:t}}``, ``B = e^{−θ̄_t}``, ``C = e^{−θ̄_s}``.
        """
        a = torch.exp(-self._stride_theta(t, s) * self.dt)
        b = torch.exp(-self._at(self.thetas_cumsum, t) * self.dt)
        c = torch.exp(-self._cumsum_before(t, s) * self.dt)
        term1 = a * (1 - c ** 2) / (1 - b ** 2)
        term2 = c * (1 - a ** 2) / (1 - b ** 2)
        return term1 * (xt - mu) + term2 * (x0 - mu) + mu

    def reverse_optimum_std(self, t: Step, s: Union[int, None] = None) -> torch.Tensor:
        """The standard deviation of ``p(x_s | x_t, x0)``:
        ``λ sqrt((1 − A²)(1 − C²)/(1 − B²))``, the variance clamped at ``1e-20 dt`` (official)."""
        a = torch.exp(-2 * self._stride_theta(t, s) * self.dt)
        b = torch.exp(-2 * self._at(self.thetas_cumsum, t) * self.dt)
        c = torch.exp(-2 * self._cumsum_before(t, s) * self.dt)
        posterior_var = (1 - a) * (1 - c) / (1 - b)
        log_posterior_var = torch.log(torch.clamp(posterior_var, min=1e-20 * self.dt))
        return (0.5 * log_posterior_var).exp() * self.stationary_std

    def reverse_posterior_step(self, xt: torch.Tensor, mu: torch.Tensor, noise: torch.Tensor, t: Step,
                               z: torch.Tensor, s: Union[int, None] = None) -> torch.Tensor:
        """A draw of ``p(x_s | x_t, x̂0)`` with ``x̂0`` from the predicted noise (official ``posterior``)."""
        x0 = self.init_state_from_noise(xt, mu, noise, t)
        return self.reverse_optimum_step(xt, x0, mu, t, s) + self.reverse_optimum_std(t, s) * z
