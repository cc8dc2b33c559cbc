"""IR-SDE generator: restoration by a mean-reverting SDE and its reverse (DA-CLIP paper Sec. IV).

Forward SDE (Eq. 5): ``dx = θ_t (μ − x) dt + σ_t dw`` with ``σ_t² / θ_t = 2λ²``, where the
mean ``μ`` is the rainy image and ``x(0)`` the clean one. Its closed-form transition
(Eqs. 6-8) from ``x(0)`` is Gaussian with mean ``m_t = μ + (x0 − μ) e^{−θ̄_t}`` and variance
``v_t = λ² (1 − e^{−2θ̄_t})``. Restoration integrates the reverse-time SDE (Eq. 9) with the
score of Eq. (10), ``∇ log p_t(x | x0) = −(x − m_t) / v_t``, estimated by a network.

Facts the paper leaves out, taken from the official IR-SDE / DA-CLIP code:
    * Discrete time ``t = 0..T`` (T=100). The θ schedule is the improved-DDPM cosine
      schedule (``s = 0.008``): ``θ_t = 1 − ᾱ_{t+1}/ᾱ_0`` for ``t = 0..T`` on a grid of
      ``T + 2`` intervals, ``θ̄_t = Σ_{k=1..t} θ_k`` (so ``θ̄_0 = 0``), and the step length
      ``dt = −ln(eps) / θ̄_T`` with ``eps = 0.005`` makes ``e^{−θ̄_T dt} = eps``: the terminal
      mean is within 0.5 % of ``μ``. In the formulas above ``θ̄_t`` means ``θ̄_t dt``.
    * ``λ`` (``stationary_std``) is 10/255 for IR-SDE deraining and 50/255 in DA-CLIP.
    * The network predicts the normalised noise ``ε`` of ``x_t = m_t + σ̄_t ε`` with
      ``σ̄_t = sqrt(v_t)``; the score is ``−ε / σ̄_t``.
    * Training objective: ℓ1 between the reverse-SDE mean step from the predicted score,
      ``x_t − (θ_t (μ − x_t) − σ_t² score) dt``, and the optimal ``x*_{t−1}`` (the mean of
      ``p(x_{t−1} | x_t, x0)``). :meth:`IRSDEGenerator.forward_train` returns them as
      ``pred`` and ``target`` so the Derainer's ``L1Loss`` is that objective.
    * Sampling starts at ``x_T = μ + λ z``.

Two options the official code does not have, for tiny networks trained for minutes (the
defaults keep the official behaviour):
    * ``prediction='clean'``: the network predicts the clean residual ``x̂0 − μ`` and the
      generator turns it into the noise of ``x_t`` by Eq. (7),
      ``ε̂ = ((x_t − μ) − (x̂0 − μ) e^{−θ̄_t}) / σ̄_t`` (the x0-parametrisation of diffusion
      models). The noise of the state then need not be re-learned as a t-dependent gain
      of ``1/σ̄_t`` on the input, which a small network learns slowly; the score, the
      objective and the sampler are unchanged.
    * ``last_step_noise=False``: the reverse step that ends at ``t = 0`` adds no noise. The
      optimal ``x*_0`` is deterministic (``p(x_0 | x_1, x0)`` has zero variance); the
      Euler-Maruyama noise ``λ sqrt(2Δτ)`` of that step is a discretisation artefact that
      vanishes for ``T = 100`` but costs several dB when a few large steps are taken.

Sampling over fewer steps than ``T`` (``sample_steps``): with ``τ = θ̄_t dt`` as the time
variable Eq. (9) reads ``dx = [(μ − x) − 2λ² ∇log p] dτ + λ√2 dŵ_τ``; one Euler-Maruyama step
from ``t`` to ``s < t`` uses ``Δτ = (θ̄_t − θ̄_s) dt``. For ``s = t − 1`` this is exactly the
official step, so ``sample_steps = T`` reproduces the official sampler.

DA-CLIP guidance (Sec. V-B): with ``daclip=dict(type='DACLIP', ...)`` the generator builds
the frozen DA-CLIP model, computes the content and degradation embeddings of the rainy
input ``μ`` once per image (no gradient, eval mode) and passes them to every network call
as ``content=`` and ``degradation=`` (see ``ConditionalUNet``).
"""
import math
from typing import Any, Optional

import torch
from torch import nn
from tqdm import tqdm

from derain_toolkit.registry import GENERATORS, MODELS


def _cosine_thetas(num_steps: int, s: float = 0.008) -> torch.Tensor:
    """θ_0..θ_T from the improved-DDPM cosine ᾱ schedule on ``T + 2`` intervals (float64)."""
    intervals = num_steps + 2
    x = torch.linspace(0, intervals, intervals + 1, dtype=torch.float64)
    alphas_cumprod = torch.cos(((x / intervals) + s) / (1 + s) * math.pi * 0.5) ** 2
    alphas_cumprod = alphas_cumprod / alphas_cumprod[0]
    return 1 - alphas_cumprod[1:-1]  # (T + 1,)


def _linear_thetas(num_steps: int) -> torch.Tensor:
    """θ_0..θ_T rising linearly (DDPM β range scaled to ``T + 1`` steps, float64)."""
    scale = 1000 / (num_steps + 1)
    return torch.linspace(scale * 1e-4, scale * 0.02, num_steps + 1, dtype=torch.float64)


_THETA_SCHEDULES = {'cosine': _cosine_thetas, 'linear': _linear_thetas}
_PREDICTIONS = ('noise', 'clean')


def _timestep_pairs(num_steps: int, sample_steps: int) -> list[tuple[int, int]]:
    """``[(t, s), ...]`` from ``T`` down to 0 in ``sample_steps`` near-equal integer strides."""
    grid = torch.linspace(num_steps, 0, sample_steps + 1).round().long().tolist()
    return list(zip(grid[:-1], grid[1:]))


@GENERATORS.register_module()
class IRSDEGenerator(nn.Module):
    """Mean-reverting SDE generator (DA-CLIP paper Sec. IV, Eqs. (5)-(10)).

    The network is called as ``network(x_t, mu, t)`` (plus ``content=``, ``degradation=``
    with DA-CLIP guidance) with ``t`` a LongTensor (B,) in ``1..T``, and returns the
    predicted noise (B, 3, H, W), or the clean residual ``x̂0 − μ`` with ``prediction='clean'``.

    Args:
        stationary_std: λ of Eq. (5), the stationary standard deviation, in [0, 1] image
            units (10/255 for IR-SDE deraining, 50/255 in DA-CLIP).
        num_steps: T, the number of discrete time steps.
        eps: Terminal mean-reversion residual ``e^{−θ̄_T dt}``; sets ``dt``.
        schedule: θ schedule, ``'cosine'`` (official) or ``'linear'``.
        sample_steps: Reverse steps at test time (default ``num_steps``); fewer steps take
            larger Euler-Maruyama strides in θ-time.
        seed: Seed of the sampling noise (a ``torch.Generator`` per :meth:`sample` call), so
            the same input and seed give the same output.
        progress_bar: Show a tqdm bar over the reverse steps.
        daclip: ``MODELS`` config of a ``DACLIP`` model whose embeddings of the rainy input
            guide the network; ``None`` for plain IR-SDE.
        prediction: What the network outputs: ``'noise'`` (official) or ``'clean'`` (the
            clean residual ``x̂0 − μ``, converted to noise by Eq. 7).
        last_step_noise: Add the Euler-Maruyama noise in the final reverse step (official);
            ``False`` ends on the mean step.
    """

    def __init__(self,
                 stationary_std: float = 10 / 255,
                 num_steps: int = 100,
                 eps: float = 0.005,
                 schedule: str = 'cosine',
                 sample_steps: Optional[int] = None,
                 seed: int = 0,
                 progress_bar: bool = True,
                 daclip: Optional[dict] = None,
                 prediction: str = 'noise',
                 last_step_noise: bool = True) -> None:
        super().__init__()
        if prediction not in _PREDICTIONS:
            raise ValueError(f'IRSDEGenerator: prediction must be one of {_PREDICTIONS}, got {prediction!r}')
        if schedule not in _THETA_SCHEDULES:
            raise ValueError(f'IRSDEGenerator: schedule must be one of {sorted(_THETA_SCHEDULES)}, '
                             f'got {schedule!r}')
        if not 0 < eps < 1:
            raise ValueError(f'IRSDEGenerator: eps must be in (0, 1), got {eps}')
        sample_steps = num_steps if sample_steps is None else sample_steps
        if not 1 <= sample_steps <= num_steps:
            raise ValueError(f'IRSDEGenerator: sample_steps must be in [1, num_steps={num_steps}], '
                             f'got {sample_steps}')
        self.stationary_std = float(stationary_std)
        self.num_steps = num_steps
        self.sample_steps = sample_steps
        self.seed = seed
        self.progress_bar = progress_bar
        self.prediction = prediction
        self.last_step_noise = last_step_noise

        thetas = _THETA_SCHEDULES[schedule](num_steps)  # (T + 1,)
        thetas_cumsum = torch.cumsum(thetas, 0) - thetas[0]  # θ̄_t, θ̄_0 = 0
        self.dt = -math.log(eps) / thetas_cumsum[-1].item()
        lam2 = self.stationary_std ** 2
        # Precomputed per-step quantities (float64 maths, float32 buffers).
        self.register_buffer('thetas', thetas.float(), persistent=False)
        self.register_buffer('sigmas', torch.sqrt(2 * lam2 * thetas).float(), persistent=False)
        self.register_buffer('taus', (thetas_cumsum * self.dt).float(), persistent=False)
        self.register_buffer('sigma_bars', torch.sqrt(lam2 * (1 - torch.exp(-2 * thetas_cumsum * self.dt))).float(),
                             persistent=False)

        self.daclip = None
        if daclip is not None:
            self.daclip = MODELS.build(daclip)
            self.daclip.requires_grad_(False)
            self.daclip.eval()

    def train(self, mode: bool = True) -> 'IRSDEGenerator':
        """Switch modes but keep the frozen DA-CLIP model in eval mode."""
        super().train(mode)
        if self.daclip is not None:
            self.daclip.eval()
        return self

    @staticmethod
    def _per_sample(values: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return values[t].view(-1, 1, 1, 1)  # (B, 1, 1, 1)

    def mean_at(self, x0: torch.Tensor, mu: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Eq. (8) mean ``m_t = μ + (x0 − μ) e^{−θ̄_t}``; ``t`` LongTensor (B,)."""
        return mu + (x0 - mu) * torch.exp(-self._per_sample(self.taus, t))

    def std_at(self, t: torch.Tensor) -> torch.Tensor:
        """Eq. (8) standard deviation ``σ̄_t = λ sqrt(1 − e^{−2θ̄_t})`` as (B, 1, 1, 1)."""
        return self._per_sample(self.sigma_bars, t)

    def forward_sample(self, x0: torch.Tensor, mu: torch.Tensor, t: torch.Tensor,
                       noise: torch.Tensor) -> torch.Tensor:
        """Eq. (7): ``x_t = m_t + σ̄_t noise`` with standard normal ``noise``."""
        return self.mean_at(x0, mu, t) + self.std_at(t) * noise

    def score_from_noise(self, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Eq. (10) with ``x_t − m_t = σ̄_t ε``: ``score = −ε / σ̄_t``."""
        return -noise / self.std_at(t)

    def predict_noise(self, network: nn.Module, x: torch.Tensor, mu: torch.Tensor, t: torch.Tensor,
                      **guidance: torch.Tensor) -> torch.Tensor:
        """The noise ``ε̂`` of ``x_t`` from the network, read as ``prediction`` says."""
        out = network(x, mu, t, **guidance)
        if self.prediction == 'noise':
            return out
        return ((x - mu) - out * torch.exp(-self._per_sample(self.taus, t))) / self.std_at(t)

    def reverse_step(self, x: torch.Tensor, mu: torch.Tensor, score: torch.Tensor, t: torch.Tensor,
                     s: torch.Tensor, noise: Optional[torch.Tensor] = None) -> torch.Tensor:
        """One Euler-Maruyama step of Eq. (9) from ``t`` to ``s < t``; ``noise=None`` gives the mean step.

        ``x_s = x_t − [(μ − x_t) − 2λ² score] Δτ + λ sqrt(2Δτ) z`` with ``Δτ = (θ̄_t − θ̄_s) dt``.
        """
        delta_tau = self._per_sample(self.taus, t) - self._per_sample(self.taus, s)
        x = x - ((mu - x) - 2 * self.stationary_std ** 2 * score) * delta_tau
        if noise is not None:
            x = x + self.stationary_std * torch.sqrt(2 * delta_tau) * noise
        return x

    def optimal_previous(self, x_t: torch.Tensor, x0: torch.Tensor, mu: torch.Tensor,
                         t: torch.Tensor) -> torch.Tensor:
        """The mean ``x*_{t−1}`` of ``p(x_{t−1} | x_t, x0)`` (Gaussian product of Eq. 7 kernels)."""
        a = torch.exp(-self._per_sample(self.thetas, t) * self.dt)  # e^{−θ_t dt}
        b = torch.exp(-self._per_sample(self.taus, t))  # e^{−θ̄_t}
        c = torch.exp(-self._per_sample(self.taus, t - 1))  # e^{−θ̄_{t−1}}
        weight_t = a * (1 - c ** 2) / (1 - b ** 2)
        weight_0 = c * (1 - a ** 2) / (1 - b ** 2)
        return mu + weight_t * (x_t - mu) + weight_0 * (x0 - mu)

    @torch.no_grad()
    def guidance(self, mu: torch.Tensor) -> dict[str, torch.Tensor]:
        """DA-CLIP embeddings of the rainy images, computed once per image (empty without DA-CLIP)."""
        if self.daclip is None:
            return {}
        content, degradation = self.daclip.encode_image(mu, control=True)
        return dict(content=content, degradation=degradation)

    def forward_train(self, network: nn.Module, inputs: torch.Tensor, gt: torch.Tensor) -> dict[str, Any]:
        """Sample ``t`` and ``x_t``; return the predicted and the optimal ``x_{t−1}``.

        Args:
            network: Noise predictor ``network(x_t, mu, t, **guidance)``.
            inputs: Rainy images μ (B, 3, H, W) in [0, 1].
            gt: Clean images x0 (B, 3, H, W).

        Returns:
            ``dict(pred=mean reverse step from the predicted score, target=x*_{t−1})``.
        """
        batch = inputs.shape[0]
        t = torch.randint(1, self.num_steps + 1, (batch,), device=inputs.device)
        x_t = self.forward_sample(gt, inputs, t, torch.randn_like(inputs))
        noise_pred = self.predict_noise(network, x_t, inputs, t, **self.guidance(inputs))
        score = self.score_from_noise(noise_pred, t)
        pred = self.reverse_step(x_t, inputs, score, t, t - 1)
        target = self.optimal_previous(x_t, gt, inputs, t)
        return dict(pred=pred, target=target)

    @torch.no_grad()
    def sample(self, network: nn.Module, inputs: torch.Tensor) -> dict[str, Any]:
        """Reverse-time sampling (Eq. 9 with the score of Eq. 10) from ``x_T = μ + λ z``.

        Returns:
            ``dict(pred=(B, 3, H, W) clamped to [0, 1])``.
        """
        generator = torch.Generator(device=inputs.device).manual_seed(self.seed)

        def randn() -> torch.Tensor:
            return torch.randn(inputs.shape, generator=generator, device=inputs.device, dtype=inputs.dtype)

        guidance = self.guidance(inputs)
        x = inputs + self.stationary_std * randn()
        batch = inputs.shape[0]
        pairs = _timestep_pairs(self.num_steps, self.sample_steps)
        for t_int, s_int in tqdm(pairs, desc='IR-SDE sampling', disable=not self.progress_bar, leave=False):
            t = torch.full((batch,), t_int, device=inputs.device, dtype=torch.long)
            s = torch.full((batch,), s_int, device=inputs.device, dtype=torch.long)
            score = self.score_from_noise(self.predict_noise(network, x, inputs, t, **guidance), t)
            noise = randn() if s_int > 0 or self.last_step_noise else None
            x = self.reverse_step(x, inputs, score, t, s, noise=noise)
        return dict(pred=x.clamp(0, 1))
