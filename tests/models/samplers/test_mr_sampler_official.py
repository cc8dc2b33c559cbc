"""MRSampler and the IR-SDE samplers against the official MR Sampler (tests/fixtures/official/mrs_sampler_io.pt).

All 182 cases of the fixture (grrrute/mr-sampler 896764c run on a fixed network and x_T; see the
fixture README's ``mrs_sampler`` section): ODE/SDE, noise/data prediction, orders 1-3, 5/10/20
steps, the six time schedules, thresholding, ``denoise_last`` and ``lambda_min``. Compared on the
unclipped final state with rtol 1e-4 and atol 1e-5 * max(1, max|x0|) (the README's tolerance for
a float32 port); the largest difference reached is 3.5e-6 * max(1, max|x0|).
"""
from pathlib import Path

import pytest
import torch
from torch import nn

from derain_toolkit.models.generators.irsde import IRSDEGenerator
from derain_toolkit.models.samplers.irsde_schedule import IRSDESchedule

FIXTURE = Path(__file__).resolve().parents[2] / 'fixtures' / 'official' / 'mrs_sampler_io.pt'
MAX_SIGMA = {'sigma10': 10, 'sigma50': 50}


@pytest.fixture(scope='module')
def fx() -> dict:
    return torch.load(FIXTURE, weights_only=True)


class FixtureNet(nn.Module):
    """The fixture's network (README ``mrs_sampler``: conv weights stored in the file)."""

    def __init__(self, fx: dict, lam: float) -> None:
        super().__init__()
        self.lam = lam
        self.conv = nn.Conv2d(6, 3, 3, padding=1)
        self.conv.load_state_dict({'weight': fx['net/conv.weight'], 'bias': fx['net/conv.bias']})
        self.times: list[torch.Tensor] = []

    def forward(self, x, mu, t, **kwargs):
        self.times.append(t)
        tt = torch.as_tensor(t, dtype=torch.float32).reshape(-1, 1, 1, 1)
        r = (x - mu) / self.lam
        return r + (0.5 + tt / 200) * self.conv(torch.cat([r, mu], dim=1)) + 0.02 * torch.sin(tt)


def _sampler(settings: dict) -> dict:
    """The toolkit's config of an official ``MRSampler(...)`` call (README: names and defaults)."""
    return dict(type='MRSampler', steps=settings['num_sample_steps'], solver=settings['solver_type'],
                order=settings['order'], prediction=settings['parameterization'],
                time_schedule=settings['time_schedule'], lambda_min=settings['lambda_min'],
                thresholding=settings['thresholding'], threshold_ratio=settings['threshold_ratio'],
                threshold_max=settings['threshold_max'],
                last_step='model_output' if settings['denoise_last'] else 'solver')


def _generator(block: str, sampler: dict) -> IRSDEGenerator:
    return IRSDEGenerator(stationary_std=MAX_SIGMA[block] / 255, num_steps=100, eps=0.005, sampler=sampler,
                          seed=2502, progress_bar=False)


def _walk(gen: IRSDEGenerator, net: nn.Module, mu: torch.Tensor, record: bool = False):
    """The generator's loop without the final clamp: (x_M, states x_1..x_{M-1}, buffered q per step)."""
    stream = torch.Generator().manual_seed(gen.seed)

    def randn():
        return torch.randn(mu.shape, generator=stream)

    x = gen.schedule.noise_state(mu, randn())
    times = gen.sampler.set_timesteps(gen.schedule).tolist()
    states, outputs = [], []
    for i in range(1, len(times)):
        t = times[i - 1]
        t_batch = torch.full((1,), t, dtype=torch.long if float(t).is_integer() else torch.float32)
        x = gen.sampler.step(gen.schedule, net(x, mu, t_batch), 'noise', i, x, mu, randn)
        states.append(x)
        outputs.append(gen.sampler._buffer[0])
    return x, states[:-1], outputs


def _case_names() -> list[str]:
    return list(torch.load(FIXTURE, weights_only=True)['meta']['cases'])


def _close(got: torch.Tensor, want: torch.Tensor) -> None:
    scale = max(1.0, want.abs().max().item())
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.parametrize('name', _case_names())
def test_every_official_case(fx, name):
    block = name.split('/')[0]
    case = fx['meta']['cases'][name]
    gen = _generator(block, _sampler(case['settings']))
    net = FixtureNet(fx, MAX_SIGMA[block] / 255)
    x0, states, outputs = _walk(gen, net, fx['mu'])
    torch.testing.assert_close(gen.sampler.set_timesteps(gen.schedule), torch.tensor(case['timesteps']),
                               rtol=0, atol=1e-4)
    assert len(net.times) == case['network_calls']
    _close(x0, fx[f'{name}/x0'])
    if f'{name}/states' in fx:
        _close(torch.cat(states), fx[f'{name}/states'])
    if f'{name}/model_outputs' in fx:
        _close(torch.cat(outputs), fx[f'{name}/model_outputs'])


@pytest.mark.parametrize('block', MAX_SIGMA)
def test_generator_sample_equals_official_clipped(fx, block):
    """Through IRSDEGenerator.sample: x_T = μ + λ z_0 from seed 2502, then z_1.. per SDE step, or x_T given."""
    for name, case in fx['meta']['cases'].items():
        if not name.startswith(block + '/') or case['settings']['time_schedule'] not in ('linspace', 'karras-t'):
            continue
        gen = _generator(block, _sampler(case['settings']))
        net = FixtureNet(fx, MAX_SIGMA[block] / 255)
        want = fx[f'{name}/x0'].clamp(0, 1)
        torch.testing.assert_close(gen.sample(net, fx['mu'])['pred'], want, rtol=1e-4, atol=1e-5)
        if case['settings']['solver_type'] == 'ode':
            given = gen.sample(net, fx['mu'], initial_state=fx[f'{block}/x_T'])['pred']
            torch.testing.assert_close(given, want, rtol=1e-4, atol=1e-5)
        called = case['timesteps'][:len(net.times) // (2 if case['settings']['solver_type'] == 'ode' else 1)]
        assert all((t.dtype == torch.long) == float(t[0]).is_integer() for t in net.times)
        torch.testing.assert_close(torch.cat(net.times).float()[:len(called)], torch.tensor(called), rtol=0, atol=1e-4)


@pytest.mark.parametrize('block', MAX_SIGMA)
def test_initial_state_is_the_seeded_noise_state(fx, block):
    gen = _generator(block, dict(type='PosteriorSampler'))
    z0 = torch.randn(fx['mu'].shape, generator=torch.Generator().manual_seed(2502))
    torch.testing.assert_close(gen.schedule.noise_state(fx['mu'], z0), fx[f'{block}/x_T'], rtol=0, atol=0)
    torch.testing.assert_close(fx['z'][0], z0[0], rtol=0, atol=0)


@pytest.mark.parametrize('kind', ['posterior', 'euler'])
@pytest.mark.parametrize('block', MAX_SIGMA)
def test_100_step_references_equal_official(fx, block, kind):
    """README: the posterior (and Euler) sampler, seed 2502, no initial state, equals the original IRSDE's 100 steps."""
    sampler = dict(type='PosteriorSampler' if kind == 'posterior' else 'EulerMaruyamaSampler')
    gen = _generator(block, sampler)
    got = gen.sample(FixtureNet(fx, MAX_SIGMA[block] / 255), fx['mu'])['pred']
    torch.testing.assert_close(got, fx[f'{block}/{kind}_irsde'].clamp(0, 1), rtol=0, atol=2e-5)


@pytest.mark.parametrize('block', MAX_SIGMA)
def test_mr_sampler_copy_schedule_equals_official(fx, block):
    """shift_theta_bar=False is the MR Sampler repository's IRSDE copy (θ̄ without the − θ_0 shift)."""
    copy = IRSDESchedule(MAX_SIGMA[block] / 255, 100, 0.005, shift_theta_bar=False)
    for name in ('thetas', 'thetas_cumsum', 'sigma_bars', 'dt'):
        torch.testing.assert_close(getattr(copy, name), fx[f'{block}/schedule/{name}'], rtol=1e-6, atol=0)
    torch.testing.assert_close(copy.alpha(), fx[f'{block}/schedule/alpha_array'], rtol=1e-6, atol=0)
    torch.testing.assert_close(copy.sigma_bars, fx[f'{block}/schedule/sigma_array'], rtol=1e-6, atol=0)
    torch.testing.assert_close(copy.lambda_(), fx[f'{block}/schedule/lambda_array'], rtol=1e-5, atol=1e-6)
    shifted = IRSDESchedule(MAX_SIGMA[block] / 255, 100, 0.005)
    assert shifted.sigma_bars[0] == 0 and copy.sigma_bars[0] > 0
