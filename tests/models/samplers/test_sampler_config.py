"""Samplers as configured parts: bad input gets one clear error; the generator's sampling contract."""
import pytest
import torch

from derain_toolkit.models.generators.irsde import IRSDEGenerator
from derain_toolkit.models.samplers.irsde_schedule import IRSDESchedule
from derain_toolkit.registry import SAMPLERS


def _gen(sampler, num_steps: int = 20) -> IRSDEGenerator:
    return IRSDEGenerator(num_steps=num_steps, sampler=sampler, progress_bar=False)


@pytest.mark.parametrize('sampler,error,message', [
    (dict(type='DDIMSampler'), KeyError,
     r"model\.generator\.sampler\.type must be one of \['EulerMaruyamaSampler', 'MRSampler', 'PosteriorSampler'\]"),
    ('posterior', TypeError, r'model\.generator\.sampler must be a dict\(type=\.\.\., steps=\.\.\.\)'),
    (dict(type='PosteriorSampler', steps=0), ValueError, r'model\.generator\.sampler\.steps must be an int in \[1, T\]'),
    (dict(type='EulerMaruyamaSampler', steps=21), ValueError,
     r'model\.generator\.sampler\.steps must be in \[1, T = model\.generator\.num_steps = 20\], got 21'),
    (dict(type='MRSampler', steps=21), ValueError, r'sampler\.steps must be in \[1, T = model\.generator\.num_steps = 20\]'),
    (dict(type='MRSampler', steps=10, solver='sde', order=3), ValueError,
     r"model\.generator\.sampler\.order must be one of \[1, 2\] for solver='sde', got 3"),
    (dict(type='MRSampler', steps=10, solver='ode', order=4), ValueError,
     r"model\.generator\.sampler\.order must be one of \[1, 2, 3\] for solver='ode', got 4"),
    (dict(type='MRSampler', steps=10, solver='heun'), ValueError,
     r"model\.generator\.sampler\.solver must be one of \['ode', 'sde'\], got 'heun'"),
    (dict(type='MRSampler', steps=10, prediction='velocity'), ValueError,
     r"model\.generator\.sampler\.prediction must be one of \['noise', 'data'\]"),
    (dict(type='MRSampler', steps=10, prediction='noise', thresholding=True), ValueError,
     r"model\.generator\.sampler\.thresholding=True needs model\.generator\.sampler\.prediction='data'"),
    (dict(type='MRSampler', steps=10, time_schedule='cosine'), ValueError,
     r"time_schedule must be one of \['linspace', 'leading', 'trailing', 'karras-n', 'karras-t', 'linear-lambda'\]"),
    (dict(type='MRSampler', steps=2, order=3), ValueError,
     r'model\.generator\.sampler\.steps must be at least model\.generator\.sampler\.order=3'),
    (dict(type='MRSampler', steps=10, last_step='skip'), ValueError,
     r"last_step must be one of \['solver', 'first_order', 'model_output', 'denoise'\]"),
    (dict(type='MRSampler', steps=10, shift_theta_bar=True, time_schedule='linear-lambda'), ValueError,
     r"time_schedule='linear-lambda' needs shift_theta_bar=False"),
])
def test_bad_sampler_config_names_the_key_and_the_choices(sampler, error, message):
    with pytest.raises(error, match=message):
        _gen(sampler)


def test_every_sampler_takes_steps_and_calls_the_network_that_often():
    mu = torch.rand(1, 3, 8, 8)
    for sampler in (dict(type='PosteriorSampler', steps=7), dict(type='EulerMaruyamaSampler', steps=7),
                    dict(type='MRSampler', steps=7, solver='sde', order=2, prediction='noise')):
        calls = []

        def network(x, m, t):
            calls.append(t)
            return torch.zeros_like(x)

        _gen(sampler).sample(network, mu)
        assert len(calls) == 7, sampler
    assert SAMPLERS.build(dict(type='PosteriorSampler')).num_steps(IRSDESchedule(num_steps=20)) == 20


def test_guidance_once_per_image_and_network_kwargs_reach_every_call():
    """DA-CLIP guidance is computed once per sample() whatever the sampler; extra backbone inputs pass through."""
    mu, gt = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)
    for sampler in (dict(type='PosteriorSampler', steps=5), dict(type='MRSampler', steps=5, order=3)):
        gen = _gen(sampler)
        guided, seen = [], []
        gen.guidance = lambda m: guided.append(m) or dict(content=m.mean((1, 2, 3)))

        def network(x, m, t, content=None, keys=None):
            seen.append((content, keys))
            return torch.zeros_like(x)

        gen.sample(network, mu, keys=['a', 'b'])
        assert len(guided) == 1 and len(seen) == 5
        assert all(torch.equal(c, mu.mean((1, 2, 3))) and k == ['a', 'b'] for c, k in seen)
        seen.clear()
        gen.forward_train(network, mu, gt, keys=['a', 'b'])
        assert seen[0][1] == ['a', 'b'] and seen[0][0] is not None


def test_initial_state_replaces_the_seeded_noise_state():
    """A given x_T is used as is: with an ODE sampler the output is a function of x_T alone."""
    mu = torch.rand(1, 3, 8, 8)
    gen = _gen(dict(type='MRSampler', steps=5, solver='ode', order=1), num_steps=100)

    def network(x, m, t):
        return (x - m) / gen.schedule.stationary_std

    drawn = gen.sample(network, mu)['pred']
    x_T = gen.schedule.noise_state(mu, torch.randn(mu.shape, generator=torch.Generator().manual_seed(gen.seed)))
    torch.testing.assert_close(gen.sample(network, mu, initial_state=x_T)['pred'], drawn, rtol=0, atol=0)
    other = gen.sample(network, mu, initial_state=x_T + 0.05)['pred']
    assert (other - drawn).abs().max() > 1e-3
