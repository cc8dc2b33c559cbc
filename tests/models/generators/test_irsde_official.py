"""IRSDEGenerator against the official IRSDE (tests/fixtures/official/irsde_sde_io.pt).

Both blocks of the fixture: ``irsde_sigma10`` (Algolzw/image-restoration-sde, λ = 10/255) and
``daclip_sigma50`` (Algolzw/daclip-uir, λ = 50/255). The official schedule is float32 and the
generator reproduces its ops, so the arrays are compared at float32 rounding and every step
quantity with rtol 1e-5 (the README's tolerance for a float32 re-implementation in the same op
order). The sampler loop is replayed by hand from the fixture's arrays and the official formulas.
"""
from pathlib import Path

import pytest
import torch

from derain_toolkit.models.generators.irsde import IRSDEGenerator

FIXTURE = Path(__file__).resolve().parents[2] / 'fixtures' / 'official' / 'irsde_sde_io.pt'
BLOCKS = {'irsde_sigma10': 10 / 255, 'daclip_sigma50': 50 / 255}
T_VALUES = (1, 2, 50, 99, 100)


@pytest.fixture(scope='module')
def official() -> dict:
    return torch.load(FIXTURE, weights_only=True)


def _close(got: torch.Tensor, want: torch.Tensor, atol: float = 1e-7) -> None:
    torch.testing.assert_close(got, want, rtol=1e-5, atol=atol)


@pytest.mark.parametrize('block', BLOCKS)
def test_schedule_equals_official(official, block):
    gen = IRSDEGenerator(stationary_std=BLOCKS[block], num_steps=100, eps=0.005, schedule='cosine')
    for name in ('thetas', 'sigmas', 'thetas_cumsum', 'sigma_bars', 'dt'):
        torch.testing.assert_close(getattr(gen.schedule, name), official[f'{block}/{name}'], rtol=1e-6, atol=0,
                                   msg=lambda m, name=name: f'{name}: {m}')
    assert gen.schedule.stationary_std == pytest.approx(official[f'{block}/max_sigma'].item(), rel=1e-7)


@pytest.mark.parametrize('t', T_VALUES)
@pytest.mark.parametrize('block', BLOCKS)
def test_step_quantities_equal_official(official, block, t):
    gen = IRSDEGenerator(stationary_std=BLOCKS[block])
    x0, mu, noise = (official[f'{block}/{k}'] for k in ('x0', 'mu', 'noise'))
    ref = {k.split('/')[-1]: v for k, v in official.items() if k.startswith(f'{block}/t{t}/')}
    xt = ref['xt']
    _close(gen.schedule.mu_bar(x0, mu, t), ref['mu_bar'])
    _close(gen.schedule.sigma_bar(t), ref['sigma_bar'], atol=0)
    score = gen.schedule.score_from_noise(noise, t)
    _close(score, ref['score'])
    _close(gen.schedule.reverse_sde_step_mean(xt, mu, ref['score'], t), ref['reverse_sde_step_mean'])
    _close(gen.schedule.reverse_sde_step(xt, mu, ref['score'], t, ref['reverse_sde_step_z']), ref['reverse_sde_step'])
    _close(gen.schedule.reverse_optimum_step(xt, x0, mu, t), ref['reverse_optimum_step'])
    _close(gen.schedule.reverse_optimum_std(t), ref['reverse_optimum_std'], atol=0)
    _close(gen.schedule.init_state_from_noise(xt, mu, noise, t), ref['get_init_state_from_noise'])
    _close(gen.schedule.reverse_posterior_step(xt, mu, noise, t, ref['reverse_posterior_step_z']),
           ref['reverse_posterior_step'])


@pytest.mark.parametrize('block', BLOCKS)
def test_batch_path_and_noise_state_equal_official(official, block):
    """Training-path shapes: one time per sample (t = 1, 50, 100), as forward_train calls them."""
    gen = IRSDEGenerator(stationary_std=BLOCKS[block])
    ref = {k[len(block) + 1:]: v for k, v in official.items() if k.startswith(f'{block}/')}
    t = ref['batch/t'].view(-1)
    x0, mu, noise = (ref[k].expand(3, -1, -1, -1) for k in ('x0', 'mu', 'noise'))
    xt = ref['batch/xt']
    _close(gen.schedule.mu_bar(x0, mu, t), ref['batch/mu_bar'])
    _close(gen.schedule.sigma_bar(t), ref['batch/sigma_bar'], atol=0)
    _close(gen.schedule.score_from_noise(noise, t), ref['batch/score'])
    _close(gen.schedule.reverse_sde_step_mean(xt, mu, ref['batch/score'], t), ref['batch/reverse_sde_step_mean'])
    _close(gen.schedule.reverse_optimum_step(xt, x0, mu, t), ref['batch/reverse_optimum_step'])
    _close(gen.schedule.noise_state(ref['mu'], ref['noise_state_z']), ref['noise_state'])


def _hand_sampler(official: dict, block: str, sampler: str, network, mu: torch.Tensor,
                  draws: list[torch.Tensor]) -> torch.Tensor:
    """The official reverse_posterior / reverse_sde loop, written from the fixture's arrays."""
    thetas, sigmas, cumsum, sigma_bars, dt = (official[f'{block}/{k}'] for k in
                                              ('thetas', 'sigmas', 'thetas_cumsum', 'sigma_bars', 'dt'))
    lam = official[f'{block}/max_sigma']
    x = mu + draws[0] * lam
    for k, t in enumerate(range(100, 0, -1), start=1):
        noise = network(x, mu, torch.tensor([t]))
        if sampler == 'euler':
            score = -noise / sigma_bars[t]
            x = x - (thetas[t] * (mu - x) - sigmas[t] ** 2 * score) * dt - sigmas[t] * dt.sqrt() * draws[k]
        else:
            a, b, c = (torch.exp(-v * dt) for v in (thetas[t], cumsum[t], cumsum[t - 1]))
            x0 = (x - mu - sigma_bars[t] * noise) / b + mu
            mean = mu + a * (1 - c ** 2) / (1 - b ** 2) * (x - mu) + c * (1 - a ** 2) / (1 - b ** 2) * (x0 - mu)
            var = ((1 - a ** 2) * (1 - c ** 2) / (1 - b ** 2)).clamp(min=1e-20 * dt)
            x = mean + var.sqrt() * lam * draws[k]
    return x


@pytest.mark.parametrize('sampler', ['posterior', 'euler'])
@pytest.mark.parametrize('block', BLOCKS)
def test_sample_loop_equals_hand_loop(official, block, sampler):
    """All T = 100 steps of sample() against the loop above, with the same seeded draws."""
    gen = IRSDEGenerator(stationary_std=BLOCKS[block], seed=5, progress_bar=False,
                         sampler=dict(type='EulerMaruyamaSampler' if sampler == 'euler' else 'PosteriorSampler'))
    mu = official[f'{block}/mu'][..., :8, :8]

    def network(x, m, t):  # a smooth stand-in for the noise predictor, t-dependent
        return torch.tanh(3 * (x - m)) * (1 + t.view(-1, 1, 1, 1) / 100)

    generator = torch.Generator().manual_seed(5)
    draws = [torch.randn(mu.shape, generator=generator) for _ in range(101)]
    want = _hand_sampler(official, block, sampler, network, mu, draws)
    assert (want - mu).abs().max() > 0.02  # the loop does move the state
    torch.testing.assert_close(gen.sample(network, mu)['pred'], want.clamp(0, 1), rtol=1e-4, atol=1e-5)
