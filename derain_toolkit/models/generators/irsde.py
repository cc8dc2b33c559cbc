"""IR-SDE generator: restoration by a mean-reverting SDE and its reverse (DA-CLIP paper Sec. IV).

The schedule and its closed forms (Eqs. 5-10) are an
:class:`~derain_toolkit.models.samplers.irsde_schedule.IRSDESchedule` (``self.schedule``); the
reverse-time walk is a registered sampler (``SAMPLERS``: ``PosteriorSampler``, the official
test-time ``sampling_mode: posterior``; ``EulerMaruyamaSampler``, official ``sde``;
``MRSampler``, the MR Sampler of arXiv 2502.07856). The generator keeps the training objective,
the sampling loop and the DA-CLIP guidance.

Training objective (official): ℓ1 between the reverse-SDE mean step from the predicted score
and the optimal ``x*_{t−1}``, the mean of ``p(x_{t−1} | x_t, x0)``; :meth:`IRSDEGenerator.forward_train`
returns them as ``pred`` and ``target`` so the Derainer's ``L1Loss`` is that objective.

Sampling (:meth:`IRSDEGenerator.sample`): from ``x_T = μ + λ z_0`` (z_0 the first draw of a
``torch.Generator`` seeded ``seed``) or a given ``initial_state``; step ``i = 1..M`` calls the
network once at ``t_{i−1}`` (a LongTensor when the time is an integer, else float) and lets the
sampler draw the next Gaussians of the same stream. So Euler-Maruyama and the posterior sampler
with ``steps = T`` replay the official loops, and the MR Sampler's SDE solvers the official
draws ``z_1..z_M``.

An option the official code does not have, for tiny networks trained for minutes (the default
keeps the official behaviour): ``prediction='clean'``: the network predicts the clean residual
``x̂0 − μ`` and the generator turns it into the noise of ``x_t`` by Eq. (7),
``ε̂ = ((x_t − μ) − (x̂0 − μ) e^{−θ̄_t}) / σ̄_t`` (the x0-parametrisation of diffusion models;
the MR Sampler reads it directly as its data prediction, official ``fit_target: data``).

DA-CLIP guidance (Sec. V-B): with ``daclip=dict(type='DACLIP', ...)`` the generator builds
the frozen DA-CLIP model, computes the content and degradation embeddings of the rainy
input ``μ`` once per image (no gradient, eval mode) and passes them to every network call
as ``content=`` and ``degradation=`` (see ``ConditionalUNet``), whatever the sampler.
"""
from typing import Any, Optional

import torch
from torch import nn
from tqdm import tqdm

from derain_toolkit.models.samplers.irsde_schedule import IRSDESchedule
from derain_toolkit.registry import GENERATORS, MODELS, SAMPLERS

_PREDICTIONS = ('noise', 'clean')


def _build_sampler(sampler: Any):
    """The ``SAMPLERS`` part of ``model.generator.sampler`` (a ``dict(type=..., steps=...)``)."""
    if not isinstance(sampler, dict):
        raise TypeError(f'IRSDEGenerator: model.generator.sampler must be a dict(type=..., steps=...) of one of '
                        f'{sorted(SAMPLERS.module_dict)}, got {sampler!r} '
                        "(e.g. sampler=dict(type='MRSampler', steps=10, solver='ode', order=2, prediction='data'))")
    if sampler.get('type') not in SAMPLERS.module_dict:
        raise KeyError(f'IRSDEGenerator: model.generator.sampler.type must be one of {sorted(SAMPLERS.module_dict)}, '
                       f'got {sampler.get("type")!r}')
    return SAMPLERS.build(sampler)


@GENERATORS.register_module()
class IRSDEGenerator(nn.Module):
    """Mean-reverting SDE generator (DA-CLIP paper Sec. IV, Eqs. (5)-(10); official ``IRSDE``).

    The network is called as ``network(x_t, mu, t, **guidance, **network_kwargs)`` (guidance:
    ``content=``, ``degradation=`` with DA-CLIP) with ``t`` a (B,) tensor of times in ``1..T``
    and returns the predicted noise (B, 3, H, W), or the clean residual ``x̂0 − μ`` with
    ``prediction='clean'``.

    Args:
        stationary_std: λ of Eq. (5), the stationary standard deviation, in [0, 1] image
            units (10/255 for IR-SDE deraining, 50/255 in DA-CLIP).
        num_steps: T, the number of discrete time steps.
        eps: Terminal mean-reversion residual ``e^{−θ̄_T dt}``; sets ``dt``.
        schedule: θ schedule, ``'cosine'`` (official) or ``'linear'``.
        sampler: ``SAMPLERS`` config, e.g. ``dict(type='PosteriorSampler')`` (default, official),
            ``dict(type='EulerMaruyamaSampler', steps=100)`` or
            ``dict(type='MRSampler', steps=10, solver='ode', order=2, prediction='data')``.
        seed: Seed of the sampling noise (a ``torch.Generator`` per :meth:`sample` call), so
            the same input and seed give the same output.
        progress_bar: Show a tqdm bar over the reverse steps.
        daclip: ``MODELS`` config of a ``DACLIP`` model whose embeddings of the rainy input
            guide the network; ``None`` for plain IR-SDE.
        prediction: What the network outputs: ``'noise'`` (official) or ``'clean'`` (the
            clean residual ``x̂0 − μ``, converted to noise by Eq. 7).
    """

    @staticmethod
    def tiny_overrides(cfg: dict) -> dict:
        """The smoke budgets' variant: the SDE's schedule (``num_steps``) kept, sampled in at most 10
        larger reverse steps, no progress bar."""
        sampler = dict(cfg.get('sampler') or dict(type='PosteriorSampler'))
        sampler['steps'] = min(10, cfg.get('num_steps', 100))
        return dict(sampler=sampler, progress_bar=False)

    def __init__(self,
                 stationary_std: float = 10 / 255,
                 num_steps: int = 100,
                 eps: float = 0.005,
                 schedule: str = 'cosine',
                 sampler: Optional[dict] = None,
                 seed: int = 0,
                 progress_bar: bool = True,
                 daclip: Optional[dict] = None,
                 prediction: str = 'noise') -> None:
        super().__init__()
        if prediction not in _PREDICTIONS:
            raise ValueError(f'IRSDEGenerator: model.generator.prediction must be one of {_PREDICTIONS}, '
                             f'got {prediction!r}')
        self.schedule = IRSDESchedule(stationary_std, num_steps, eps, schedule)
        self.sampler = _build_sampler(dict(type='PosteriorSampler') if sampler is None else sampler)
        self.sampler.check(self.schedule)
        self.num_steps = num_steps
        self.seed = seed
        self.progress_bar = progress_bar
        self.prediction = prediction

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

    def predict_noise(self, network: nn.Module, x: torch.Tensor, mu: torch.Tensor, t: torch.Tensor,
                      **network_kwargs: Any) -> torch.Tensor:
        """The noise ``ε̂`` of ``x_t`` from the network, read as ``prediction`` says."""
        out = network(x, mu, t, **network_kwargs)
        if self.prediction == 'noise':
            return out
        return self.schedule.noise_from_clean(x, mu, out, t)

    @torch.no_grad()
    def guidance(self, mu: torch.Tensor) -> dict[str, torch.Tensor]:
        """DA-CLIP embeddings of the rainy images, computed once per image (empty without DA-CLIP)."""
        if self.daclip is None:
            return {}
        content, degradation = self.daclip.encode_image(self.daclip.preprocess(mu), control=True)
        return dict(content=content, degradation=degradation)

    def forward_train(self, network: nn.Module, inputs: torch.Tensor, gt: torch.Tensor,
                      **network_kwargs: Any) -> dict[str, Any]:
        """Sample ``t`` and ``x_t``; return the predicted and the optimal ``x_{t−1}``.

        Args:
            network: Noise predictor ``network(x_t, mu, t, **guidance, **network_kwargs)``.
            inputs: Rainy images μ (B, 3, H, W) in [0, 1].
            gt: Clean images x0 (B, 3, H, W).
            network_kwargs: Extra backbone inputs, passed to every network call.

        Returns:
            ``dict(pred=reverse_sde_step_mean from the predicted score, target=reverse_optimum_step,
            clean=x̂0)``: ``clean`` is the clean image the prediction implies (Eq. 7 solved for x0),
            which an ``OutputPairLoss(pred_key='clean')`` can supervise.
        """
        schedule = self.schedule
        t = torch.randint(1, self.num_steps + 1, (inputs.shape[0],), device=inputs.device)
        x_t = schedule.mu_bar(gt, inputs, t) + schedule.sigma_bar(t) * torch.randn_like(inputs)
        noise_pred = self.predict_noise(network, x_t, inputs, t, **self.guidance(inputs), **network_kwargs)
        pred = schedule.reverse_sde_step_mean(x_t, inputs, schedule.score_from_noise(noise_pred, t), t)
        target = schedule.reverse_optimum_step(x_t, gt, inputs, t)
        clean = schedule.init_state_from_noise(x_t, inputs, noise_pred, t)
        return dict(pred=pred, target=target, clean=clean)

    @torch.no_grad()
    def sample(self, network: nn.Module, inputs: torch.Tensor, initial_state: Optional[torch.Tensor] = None,
               **network_kwargs: Any) -> dict[str, Any]:
        """Reverse-time sampling with the configured sampler.

        Args:
            network: The noise (or clean-residual) predictor.
            inputs: Rainy images μ (B, 3, H, W) in [0, 1].
            initial_state: ``x_T`` (B, 3, H, W); ``None`` draws ``x_T = μ + λ z_0`` from the seeded stream.
            network_kwargs: Extra backbone inputs, passed to every network call.

        Returns:
            ``dict(pred=(B, 3, H, W) clamped to [0, 1])``.
        """
        # Meta tensors (device-placement checks) have no values and no generator: unseeded draws there.
        generator = (None if inputs.device.type == 'meta'
                     else torch.Generator(device=inputs.device).manual_seed(self.seed))

        def randn() -> torch.Tensor:
            return torch.randn(inputs.shape, generator=generator, device=inputs.device, dtype=inputs.dtype)

        network_kwargs = {**self.guidance(inputs), **network_kwargs}
        x = self.schedule.noise_state(inputs, randn()) if initial_state is None else initial_state
        times = self.sampler.set_timesteps(self.schedule).tolist()
        name = type(self.sampler).__name__
        for i in tqdm(range(1, len(times)), desc=f'IR-SDE {name}', disable=not self.progress_bar, leave=False):
            t = times[i - 1]
            t_batch = torch.full((inputs.shape[0],), t, device=inputs.device,
                                 dtype=torch.long if float(t).is_integer() else torch.float32)
            output = network(x, inputs, t_batch, **network_kwargs)
            x = self.sampler.step(self.schedule, output, self.prediction, i, x, inputs, randn)
        return dict(pred=x.clamp(0, 1))
