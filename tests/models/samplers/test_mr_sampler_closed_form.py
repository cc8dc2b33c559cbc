"""MRSampler against closed forms, no fixture: Gaussian data x0 ~ N(m, s²) per pixel.

With ``x_t = α_t x0 + (1 − α_t) μ + σ_t ε``, the marginal of ``x_t`` is Gaussian with mean
``m_t = μ + (m − μ) α_t`` and std ``v_t = sqrt(s² α_t² + σ_t²)``; the exact noise prediction is
``E[ε | x_t] = σ_t (x_t − m_t) / v_t²`` and the probability-flow ODE maps ``x_T = m_T + v_T w`` to
``m_t + v_t w`` at every t. So each ODE solver's error at its last time step must fall with NFE
at its order, and each SDE solver's output must be distributed as ``N(m_t, v_t²)``. α, σ at a
non-integer time are the linear interpolation of the integer knots (``numpy.interp`` here), as in
the sampler; the tests use ``lambda_interpolation='alpha_sigma'`` (λ consistent with α, σ) and
the ``linear-lambda`` time steps (equal steps in λ), in float64.
"""
import math

import numpy as np
import pytest
import torch

from derain_toolkit.models.samplers.irsde_schedule import IRSDESchedule
from derain_toolkit.registry import SAMPLERS

SHAPE = (1, 3, 8, 8)
SCHEDULE = IRSDESchedule(10 / 255, 100, 0.005)


def _data(s: float = 0.08):
    g = torch.Generator().manual_seed(17)
    mu = 0.25 + 0.5 * torch.rand(SHAPE, generator=g, dtype=torch.float64)
    m = 0.3 + 0.4 * torch.rand(SHAPE, generator=g, dtype=torch.float64)
    return mu, m, s


def _run(steps: int, samples: int = 1, s: float = 0.08, **options):
    """Sample with the exact noise of N(m, s²) data; return (x_M, PF-ODE endpoint, m_M, v_M)."""
    mu, m, s = _data(s)
    options.setdefault('time_schedule', 'linear-lambda')
    options.setdefault('lambda_interpolation', 'alpha_sigma')
    sampler = SAMPLERS.build(dict(type='MRSampler', steps=steps, **options))
    walked = SCHEDULE.variant(shift_theta_bar=sampler.shift_theta_bar)
    alpha, sigma = walked.alpha().double().numpy(), walked.sigma_bars.double().numpy()
    times = sampler.set_timesteps(SCHEDULE).tolist()

    def marginal(t):
        a, sg = (float(np.interp(t, np.arange(101), arr)) for arr in (alpha, sigma))
        return mu + (m - mu) * a, math.sqrt(s ** 2 * a ** 2 + sg ** 2), sg

    mean_T, std_T, _ = marginal(times[0])
    w = torch.randn((samples, *SHAPE[1:]), generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    x = mean_T + std_T * w
    stream = torch.Generator().manual_seed(5)
    for i in range(1, len(times)):
        mean_t, std_t, sigma_t = marginal(times[i - 1])
        noise = sigma_t * (x - mean_t) / std_t ** 2
        x = sampler.step(SCHEDULE, noise, 'noise', i, x, mu,
                         lambda: torch.randn(x.shape, generator=stream, dtype=torch.float64))
    mean_M, std_M, _ = marginal(times[-1])
    return x, mean_M + std_M * w, mean_M, std_M


def _slope(order: int, prediction: str, nfes=(10, 20, 40), **options) -> tuple[float, list[float]]:
    errors = []
    for n in nfes:
        x, endpoint, _, _ = _run(n, solver='ode', order=order, prediction=prediction, **options)
        errors.append((x - endpoint).abs().max().item())
    return float(np.polyfit(np.log(nfes), np.log(errors), 1)[0]), errors


@pytest.mark.parametrize('prediction', ['data', 'noise'])
def test_ode_error_falls_with_nfe_at_its_order(prediction):
    """Fitted log-log slopes over NFE 10, 20, 40: order 1 ≈ −1, order 2 ≈ −2, order 3 below −2.2
    (its first two steps warm up at orders 1 and 2, as the official loop, so it tends to −2)."""
    slopes, errors = {}, {}
    for order in (1, 2, 3):
        slopes[order], errors[order] = _slope(order, prediction)
    assert -1.2 < slopes[1] < -0.8, slopes
    assert -2.3 < slopes[2] < -1.7, slopes
    assert slopes[3] < -2.2, slopes
    assert all(e3 < 0.6 * e2 < 0.6 * e1 for e1, e2, e3 in zip(*errors.values())), errors


def test_interpolated_lambda_quirk_floors_data_prediction():
    """Official λ interpolated on its own (not log α − log σ): the third-order data solver stalls."""
    _, consistent = _slope(3, 'data')
    _, official = _slope(3, 'data', lambda_interpolation='lambda')
    assert official[-1] > 5 * consistent[-1]
    assert official[-1] > 0.5 * official[-2]  # no longer falls with NFE


@pytest.mark.parametrize('prediction', ['data', 'noise'])
@pytest.mark.parametrize('order', [1, 2])
def test_sde_output_is_distributed_as_the_marginal(order, prediction):
    """Standardised outputs (x − m_M) / v_M over 500 × 192 draws: mean 0, std → 1 as NFE grows."""
    spread = {}
    for steps in (20, 40):
        x, _, mean_M, std_M = _run(steps, samples=500, solver='sde', order=order, prediction=prediction)
        u = (x - mean_M) / std_M
        assert abs(u.mean().item()) < 0.015
        spread[steps] = abs(u.std().item() - 1)
    assert spread[40] < spread[20] and spread[40] < 0.12, spread


@pytest.mark.parametrize('solver,order', [('ode', 1), ('ode', 2), ('sde', 2)])
def test_shifted_schedule_ends_exactly_on_point_mass_data(solver, order):
    """shift_theta_bar=True (the fix): σ_0 = 0, the last step is its exact limit x̂0, so point-mass
    data is recovered to rounding; the official schedule stops at a state with noise σ_0 > 0."""
    for prediction in ('data', 'noise'):
        common = dict(s=0.0, solver=solver, order=order, prediction=prediction, time_schedule='linspace')
        fixed, _, mean_M, _ = _run(10, shift_theta_bar=True, **common)
        official, _, _, _ = _run(10, **common)
        _, m, _ = _data()
        assert torch.isfinite(fixed).all()
        assert (fixed - m).abs().max() < 1e-5
        assert (official - m).abs().max() > 1e-4


def test_first_order_last_step_fixes_the_order2_lambda_jump():
    """On linspace time steps the last λ step is large: ending on a first-order step helps (README probe)."""
    common = dict(solver='ode', order=2, prediction='data', time_schedule='linspace')
    x, endpoint, _, _ = _run(10, **common)
    first = (_run(10, last_step='first_order', **common)[0] - endpoint).abs().max()
    solver = (x - endpoint).abs().max()
    assert first < 0.5 * solver


def test_denoise_last_step_returns_data_for_noise_prediction():
    """last_step='model_output' is the official denoise_last (for noise prediction: the noise itself);
    'denoise' returns x̂0 whatever the prediction."""
    _, m, _ = _data()
    common = dict(s=0.0, solver='ode', order=2, prediction='noise', time_schedule='linspace')
    official, _, _, _ = _run(10, last_step='model_output', **common)
    fixed, _, _, _ = _run(10, last_step='denoise', **common)
    assert (fixed - m).abs().max() < 5e-3
    assert (official - m).abs().max() > 0.1
