"""IR-SDE generator: restoration by a mean-reverting SDE and its reverse (DA-CLIP paper Sec. IV).

Forward SDE (Eq. 5): ``dx = θ_t (μ − x) dt + σ_t dw`` with ``σ_t² / θ_t = 2λ²``, where the
mean ``μ`` is the rainy image and ``x(0)`` the clean one. Its transition kernel (Eqs. 6-8)
from time ``s`` to ``t`` is Gaussian with mean ``m_{s:t} = μ + (x(s) − μ) e^{−θ̄_{s:t}}`` and
variance ``v_{s:t} = λ² (1 − e^{−2θ̄_{s:t}})``. Restoration integrates the reverse-time SDE
(Eq. 9) with the score of Eq. (10), ``∇ log p_t(x | x0) = −(x − m_t) / v_t``, estimated by a
network.

Equal to the official code, quantity for quantity: ``IRSDE`` of ``codes/utils/sde_utils.py`` in
Algolzw/image-restoration-sde (commit 2598d73) and of ``universal-image-restoration/utils/
sde_utils.py`` in Algolzw/daclip-uir (commit c2cc141), both checked against their outputs in
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
    * ``λ`` (``stationary_std``, official ``max_sigma / 255``) is 10/255 for IR-SDE deraining
      and 50/255 in DA-CLIP.
    * The network predicts the normalised noise ``ε`` of ``x_t = m_t + σ̄_t ε`` with
      ``σ̄_t = sqrt(v_t)``; the score is ``−ε / σ̄_t``.
    * Training objective: ℓ1 between the reverse-SDE mean step from the predicted score and
      the optimal ``x*_{t−1}``, the mean of ``p(x_{t−1} | x_t, x0)`` (the product of the
      Eq. 7 kernels ``x0 → x_{t−1} → x_t``). :meth:`IRSDEGenerator.forward_train` returns them
      as ``pred`` and ``target`` so the Derainer's ``L1Loss`` is that objective.
    * Sampling starts at ``x_T = μ + λ z`` (``noise_state``).
    * Samplers (official ``sde.sampling_mode``): ``'euler'`` is Euler-Maruyama on Eq. (9),
      ``x_{t−1} = x_t − [θ_t (μ − x_t) − σ_t² score] dt − σ_t sqrt(dt) z`` (official ``sde``);
      ``'posterior'`` (official ``posterior``, what both official test options use) samples
      ``p(x_{t−1} | x_t, x̂0)`` in closed form, with ``x̂0 = μ + (x_t − μ − σ̄_t ε̂) e^{θ̄_t}``
      from Eq. (7): mean ``x*_{t−1}`` as above, variance
      ``λ² (1 − e^{−2θ_t})(1 − e^{−2θ̄_{t−1}}) / (1 − e^{−2θ̄_t})`` (clamped at ``1e-20 dt``,
      so the step to ``t = 0`` is noiseless). The paper describes only Eq. (9).

Two options the official code does not have, for tiny networks trained for minutes (the
defaults keep the official behaviour):
    * ``prediction='clean'``: the network predicts the clean residual ``x̂0 − μ`` and the
      generator turns it into the noise of ``x_t`` by Eq. (7),
      ``ε̂ = ((x_t − μ) − (x̂0 − μ) e^{−θ̄_t}) / σ̄_t`` (the x0-parametrisation of diffusion
      models). The posterior sampler turns that back into the same ``x̂0``.
    * ``last_step_noise=False``: the Euler-Maruyama step that ends at ``t = 0`` adds no noise
      (it costs several dB when a few large steps are taken). The posterior sampler has no
      such noise to remove: its last step's variance is 0.

Sampling over fewer steps than ``T`` (``sample_steps``): a step from ``t`` to ``s < t`` uses
the stride ``θ_{s:t} = θ̄_t − θ̄_s`` in place of ``θ_t``: Euler-Maruyama with
``σ² = 2λ² θ_{s:t}``, and the posterior ``p(x_s | x_t, x̂0)`` (the same Gaussian product over
the kernels ``x0 → x_s → x_t``). For ``s = t − 1`` the stride is ``θ_t`` itself, so
``sample_steps = T`` is the official sampler.

DA-CLIP guidance (Sec. V-B): with ``daclip=dict(type='DACLIP', ...)`` the generator builds
the frozen DA-CLIP model, computes the content and degradation embeddings of the rainy
input ``μ`` once per image (no gradient, eval mode) and passes them to every network call
as ``content=`` and ``degradation=`` (see ``ConditionalUNet``).
"""
import math
from typing import Any, Optional, Union

import torch
from torch import nn
from tqdm import tqdm

from derain_toolkit.registry import GENERATORS, MODELS

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


_THETA_SCHEDULES = {'cosine': _cosine_thetas, 'linear': _linear_thetas}
_PREDICTIONS = ('noise', 'clean')
_SAMPLERS = ('posterior', 'euler')


def _timestep_pairs(num_steps: int, sample_steps: int) -> list[tuple[int, int]]:
    """``[(t, s), ...]`` from ``T`` down to 0 in ``sample_steps`` near-equal integer strides."""
    grid = torch.linspace(num_steps, 0, sample_steps + 1).round().long().tolist()
    return list(zip(grid[:-1], grid[1:]))


@GENERATORS.register_module()
class IRSDEGenerator(nn.Module):
    """Mean-reverting SDE generator (DA-CLIP paper Sec. IV, Eqs. (5)-(10); official ``IRSDE``).

    The network is called as ``network(x_t, mu, t)`` (plus ``content=``, ``degradation=``
    with DA-CLIP guidance) with ``t`` a LongTensor (B,) in ``1..T``, and returns the
    predicted noise (B, 3, H, W), or the clean residual ``x̂0 − μ`` with ``prediction='clean'``.

    The SDE methods take ``t`` as an int (one time for the batch) or a LongTensor of B
    times (any shape with B elements); ``s`` (the end of a strided step) is an int, and
    ``None`` means ``t − 1``.

    Args:
        stationary_std: λ of Eq. (5), the stationary standard deviation, in [0, 1] image
            units (10/255 for IR-SDE deraining, 50/255 in DA-CLIP).
        num_steps: T, the number of discrete time steps.
        eps: Terminal mean-reversion residual ``e^{−θ̄_T dt}``; sets ``dt``.
        schedule: θ schedule, ``'cosine'`` (official) or ``'linear'``.
        sampler: ``'posterior'`` (the official test-time ``sampling_mode: posterior``) or
            ``'euler'`` (Euler-Maruyama on Eq. 9, official ``sde``).
        sample_steps: Reverse steps at test time (default ``num_steps``); fewer steps take
            larger strides in θ-time.
        seed: Seed of the sampling noise (a ``torch.Generator`` per :meth:`sample` call), so
            the same input and seed give the same output.
        progress_bar: Show a tqdm bar over the reverse steps.
        daclip: ``MODELS`` config of a ``DACLIP`` model whose embeddings of the rainy input
            guide the network; ``None`` for plain IR-SDE.
        prediction: What the network outputs: ``'noise'`` (official) or ``'clean'`` (the
            clean residual ``x̂0 − μ``, converted to noise by Eq. 7).
        last_step_noise: Add the Euler-Maruyama noise in the final reverse step (official);
            ``False`` ends on the mean step. No effect on the posterior sampler.
    """

    @staticmethod
    def tiny_overrides(cfg: dict) -> dict:
        """The smoke budgets' variant: the SDE's schedule (``num_steps``) kept, sampled in at most 10
        larger reverse steps, no progress bar."""
        return dict(sample_steps=min(10, cfg.get('num_steps', 100)), progress_bar=False)

    def __init__(self,
                 stationary_std: float = 10 / 255,
                 num_steps: int = 100,
                 eps: float = 0.005,
                 schedule: str = 'cosine',
                 sampler: str = 'posterior',
                 sample_steps: Optional[int] = None,
                 seed: int = 0,
                 progress_bar: bool = True,
                 daclip: Optional[dict] = None,
                 prediction: str = 'noise',
                 last_step_noise: bool = True) -> None:
        super().__init__()
        if prediction not in _PREDICTIONS:
            raise ValueError(f'IRSDEGenerator: prediction must be one of {_PREDICTIONS}, got {prediction!r}')
        if sampler not in _SAMPLERS:
            raise ValueError(f'IRSDEGenerator: sampler must be one of {_SAMPLERS}, got {sampler!r} '
                             "(set model.generator.sampler='posterior' or 'euler')")
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
        self.sampler = sampler
        self.sample_steps = sample_steps
        self.seed = seed
        self.progress_bar = progress_bar
        self.prediction = prediction
        self.last_step_noise = last_step_noise

        # The official schedule, op for op in float32 (IRSDE._initialize).
        max_sigma = self.stationary_std
        thetas = _THETA_SCHEDULES[schedule](num_steps)  # (T + 1,)
        sigmas = torch.sqrt(max_sigma ** 2 * 2 * thetas)
        thetas_cumsum = torch.cumsum(thetas, dim=0) - thetas[0]  # θ̄_t, θ̄_0 = 0
        dt = -1 / thetas_cumsum[-1] * math.log(eps)  # 0-dim float32
        sigma_bars = torch.sqrt(max_sigma ** 2 * (1 - torch.exp(-2 * thetas_cumsum * dt)))
        for name, value in (('thetas', thetas), ('sigmas', sigmas), ('thetas_cumsum', thetas_cumsum),
                            ('sigma_bars', sigma_bars), ('dt', dt)):
            self.register_buffer(name, value, persistent=False)

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
    def _at(values: torch.Tensor, t: Step) -> torch.Tensor:
        """``values[t]``: 0-dim for an int ``t``, (B, 1, 1, 1) for a tensor of B times."""
        if isinstance(t, int):
            return values[t]
        return values[t.reshape(-1)].view(-1, 1, 1, 1)

    def _stride_theta(self, t: Step, s: Optional[int]) -> torch.Tensor:
        """``θ_{s:t} = θ̄_t − θ̄_s`` of a step from ``t`` to ``s``; exactly ``θ_t`` for ``s = t − 1``."""
        if s is None or (isinstance(t, int) and t - s == 1):
            return self._at(self.thetas, t)
        if not isinstance(t, int):
            raise TypeError(f'IRSDEGenerator: a strided step (s={s}) needs an int t, got a tensor')
        return self.thetas_cumsum[t] - self.thetas_cumsum[s]

    def _cumsum_before(self, t: Step, s: Optional[int]) -> torch.Tensor:
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

    def init_state_from_noise(self, xt: torch.Tensor, mu: torch.Tensor, noise: torch.Tensor,
                              t: Step) -> torch.Tensor:
        """Eq. (7) solved for the clean image: ``x̂0 = μ + (x_t − μ − σ̄_t ε) e^{θ̄_t}``."""
        return (xt - mu - self.sigma_bar(t) * noise) * torch.exp(self._at(self.thetas_cumsum, t) * self.dt) + mu

    def noise_state(self, mu: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The initial state ``x_T = μ + λ z`` of the test scripts."""
        return mu + z * self.stationary_std

    def reverse_sde_step_mean(self, x: torch.Tensor, mu: torch.Tensor, score: torch.Tensor, t: Step,
                              s: Optional[int] = None) -> torch.Tensor:
        """The drift part of one Euler-Maruyama step of Eq. (9):
        ``x − [θ_{s:t} (μ − x) − σ_{s:t}² score] dt`` with ``σ_{s:t}² = 2λ² θ_{s:t}``."""
        theta = self._stride_theta(t, s)
        sigma = torch.sqrt(self.stationary_std ** 2 * 2 * theta)
        return x - (theta * (mu - x) - sigma ** 2 * score) * self.dt

    def reverse_sde_step(self, x: torch.Tensor, mu: torch.Tensor, score: torch.Tensor, t: Step,
                         z: torch.Tensor, s: Optional[int] = None) -> torch.Tensor:
        """One Euler-Maruyama step of Eq. (9): the mean step minus ``σ_{s:t} sqrt(dt) z``."""
        sigma = torch.sqrt(self.stationary_std ** 2 * 2 * self._stride_theta(t, s))
        return self.reverse_sde_step_mean(x, mu, score, t, s) - sigma * (z * math.sqrt(self.dt))

    def reverse_optimum_step(self, xt: torch.Tensor, x0: torch.Tensor, mu: torch.Tensor, t: Step,
                             s: Optional[int] = None) -> torch.Tensor:
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

    def reverse_optimum_std(self, t: Step, s: Optional[int] = None) -> torch.Tensor:
        """The standard deviation of ``p(x_s | x_t, x0)``:
        ``λ sqrt((1 − A²)(1 − C²)/(1 − B²))``, the variance clamped at ``1e-20 dt`` (official)."""
        a = torch.exp(-2 * self._stride_theta(t, s) * self.dt)
        b = torch.exp(-2 * self._at(self.thetas_cumsum, t) * self.dt)
        c = torch.exp(-2 * self._cumsum_before(t, s) * self.dt)
        posterior_var = (1 - a) * (1 - c) / (1 - b)
        log_posterior_var = torch.log(torch.clamp(posterior_var, min=1e-20 * self.dt))
        return (0.5 * log_posterior_var).exp() * self.stationary_std

    def reverse_posterior_step(self, xt: torch.Tensor, mu: torch.Tensor, noise: torch.Tensor, t: Step,
                               z: torch.Tensor, s: Optional[int] = None) -> torch.Tensor:
        """A draw of ``p(x_s | x_t, x̂0)`` with ``x̂0`` from the predicted noise (official ``posterior``)."""
        x0 = self.init_state_from_noise(xt, mu, noise, t)
        return self.reverse_optimum_step(xt, x0, mu, t, s) + self.reverse_optimum_std(t, s) * z

    def predict_noise(self, network: nn.Module, x: torch.Tensor, mu: torch.Tensor, t: torch.Tensor,
                      **guidance: torch.Tensor) -> torch.Tensor:
        """The noise ``ε̂`` of ``x_t`` from the network, read as ``prediction`` says."""
        out = network(x, mu, t, **guidance)
        if self.prediction == 'noise':
            return out
        return ((x - mu) - out * torch.exp(-self._at(self.thetas_cumsum, t) * self.dt)) / self.sigma_bar(t)

    @torch.no_grad()
    def guidance(self, mu: torch.Tensor) -> dict[str, torch.Tensor]:
        """DA-CLIP embeddings of the rainy images, computed once per image (empty without DA-CLIP)."""
        if self.daclip is None:
            return {}
        content, degradation = self.daclip.encode_image(self.daclip.preprocess(mu), control=True)
        return dict(content=content, degradation=degradation)

    def forward_train(self, network: nn.Module, inputs: torch.Tensor, gt: torch.Tensor) -> dict[str, Any]:
        """Sample ``t`` and ``x_t``; return the predicted and the optimal ``x_{t−1}``.

        Args:
            network: Noise predictor ``network(x_t, mu, t, **guidance)``.
            inputs: Rainy images μ (B, 3, H, W) in [0, 1].
            gt: Clean images x0 (B, 3, H, W).

        Returns:
            ``dict(pred=reverse_sde_step_mean from the predicted score, target=reverse_optimum_step)``.
        """
        batch = inputs.shape[0]
        t = torch.randint(1, self.num_steps + 1, (batch,), device=inputs.device)
        x_t = self.mu_bar(gt, inputs, t) + self.sigma_bar(t) * torch.randn_like(inputs)
        noise_pred = self.predict_noise(network, x_t, inputs, t, **self.guidance(inputs))
        pred = self.reverse_sde_step_mean(x_t, inputs, self.score_from_noise(noise_pred, t), t)
        target = self.reverse_optimum_step(x_t, gt, inputs, t)
        return dict(pred=pred, target=target)

    @torch.no_grad()
    def sample(self, network: nn.Module, inputs: torch.Tensor) -> dict[str, Any]:
        """Reverse-time sampling from ``x_T = μ + λ z`` with the configured ``sampler``.

        Returns:
            ``dict(pred=(B, 3, H, W) clamped to [0, 1])``.
        """
        generator = torch.Generator(device=inputs.device).manual_seed(self.seed)

        def randn() -> torch.Tensor:
            return torch.randn(inputs.shape, generator=generator, device=inputs.device, dtype=inputs.dtype)

        guidance = self.guidance(inputs)
        x = self.noise_state(inputs, randn())
        batch = inputs.shape[0]
        pairs = _timestep_pairs(self.num_steps, self.sample_steps)
        for t, s in tqdm(pairs, desc=f'IR-SDE {self.sampler} sampling', disable=not self.progress_bar, leave=False):
            t_batch = torch.full((batch,), t, device=inputs.device, dtype=torch.long)
            noise = self.predict_noise(network, x, inputs, t_batch, **guidance)
            if self.sampler == 'posterior':
                x = self.reverse_posterior_step(x, inputs, noise, t, randn(), s)
            elif s > 0 or self.last_step_noise:
                x = self.reverse_sde_step(x, inputs, self.score_from_noise(noise, t), t, randn(), s)
            else:
                x = self.reverse_sde_step_mean(x, inputs, self.score_from_noise(noise, t), t, s)
        return dict(pred=x.clamp(0, 1))
