"""IRSDEGenerator: Eqs. (5)-(10) of the DA-CLIP paper against independent computations."""
import math

import pytest
import torch

from derain_toolkit.models.backbones.conditional_unet import ConditionalUNet
from derain_toolkit.models.generators.irsde import IRSDEGenerator


def _pair(size: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    gt = torch.rand(1, 3, size, size)
    mu = (gt + 0.3 * torch.rand(1, 3, size, size)).clamp(0, 1)
    return gt, mu


def _oracle(generator: IRSDEGenerator, gt: torch.Tensor) -> torch.nn.Module:
    """A 'network' returning the exact noise of x_t given the clean image (the score of Eq. 10)."""

    class Oracle(torch.nn.Module):
        def forward(self, x, mu, t):
            return (x - generator.schedule.mu_bar(gt, mu, t)) / generator.schedule.sigma_bar(t)

    return Oracle()


def test_schedule_matches_official_constants():
    gen = IRSDEGenerator(stationary_std=10 / 255, num_steps=100, eps=0.005)
    # cosine ᾱ with s = 0.008 on T + 2 intervals, recomputed here in plain Python
    alpha = [math.cos(((k / 102) + 0.008) / 1.008 * math.pi / 2) ** 2 for k in range(103)]
    thetas = [1 - alpha[k + 1] / alpha[0] for k in range(101)]
    theta_bar_T = sum(thetas[1:])
    assert float(gen.schedule.dt) == pytest.approx(-math.log(0.005) / theta_bar_T, rel=1e-6)
    assert float(gen.schedule.thetas[37]) == pytest.approx(thetas[37], rel=1e-5)
    assert math.exp(-float(gen.schedule.thetas_cumsum[-1] * gen.schedule.dt)) == pytest.approx(0.005, rel=1e-4)
    assert float(gen.schedule.sigmas[50]) ** 2 / float(gen.schedule.thetas[50]) == pytest.approx(2 * (10 / 255) ** 2, rel=1e-4)


def test_forward_transition_matches_eq8_by_monte_carlo():
    """Simulate Eq. (5) with fine Euler-Maruyama sub-steps; compare mean and variance with Eq. (8)."""
    gen = IRSDEGenerator(stationary_std=0.2, num_steps=20, eps=0.005)
    torch.manual_seed(0)
    x0, mu = torch.tensor(0.9), torch.tensor(0.1)
    t_end, substeps, samples = 12, 50, 20000
    x = torch.full((samples,), float(x0))
    for k in range(1, t_end + 1):
        h = float(gen.schedule.dt) / substeps
        theta, sigma = float(gen.schedule.thetas[k]), float(gen.schedule.sigmas[k])
        for _ in range(substeps):
            x = x + theta * (mu - x) * h + sigma * math.sqrt(h) * torch.randn(samples)
    t = torch.tensor([t_end])
    mean = gen.schedule.mu_bar(x0.view(1, 1, 1, 1), mu.view(1, 1, 1, 1), t).item()
    var = gen.schedule.sigma_bar(t).item() ** 2
    assert x.mean().item() == pytest.approx(mean, abs=4 * math.sqrt(var / samples) + 2e-3)
    assert x.var().item() == pytest.approx(var, rel=0.05)


def test_state_mean_approaches_mu_at_T():
    gen = IRSDEGenerator()
    gt, mu = _pair()
    gaps = [(gen.schedule.mu_bar(gt, mu, torch.tensor([t])) - mu).abs().max().item() for t in (0, 25, 50, 75, 100)]
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[0] == pytest.approx((gt - mu).abs().max().item())
    assert gaps[-1] <= 0.005 * (gt - mu).abs().max().item() + 1e-6
    assert gen.schedule.sigma_bar(torch.tensor([100])).item() == pytest.approx(10 / 255, rel=1e-3)


def test_reverse_step_with_exact_score_moves_toward_gaussian_mean():
    gen = IRSDEGenerator(stationary_std=0.2)
    gt, mu = _pair()
    t = torch.tensor([60])
    m_t, std_t = gen.schedule.mu_bar(gt, mu, t), gen.schedule.sigma_bar(t)
    x = m_t + 3 * std_t * torch.randn_like(gt)
    score = -(x - m_t) / std_t ** 2  # exact score of N(m_t, std_t²)
    x_prev = gen.schedule.reverse_sde_step_mean(x, mu, score, t)
    m_prev = gen.schedule.mu_bar(gt, mu, t - 1)
    assert (x_prev - m_prev).norm() < (x - m_t).norm()


@pytest.mark.parametrize('sampler', ['PosteriorSampler', 'EulerMaruyamaSampler'])
def test_sampling_with_exact_score_recovers_clean_image(sampler):
    gt, mu = _pair(16)
    gen = IRSDEGenerator(sampler=dict(type=sampler), progress_bar=False)
    out = gen.sample(_oracle(gen, gt), mu)['pred']
    assert ((out - gt) ** 2).mean() < 1e-4 * ((mu - gt) ** 2).mean()


def test_training_targets_agree_for_exact_noise():
    """With the exact noise the mean reverse step is close to x*_{t-1}; a wrong network is far."""
    gt, mu = _pair(16)
    gen = IRSDEGenerator()
    torch.manual_seed(1)
    exact = gen.forward_train(_oracle(gen, gt), mu, gt)
    torch.manual_seed(1)
    zero = gen.forward_train(lambda x, m, t: torch.zeros_like(x), mu, gt)
    assert torch.equal(exact['target'], zero['target'])
    assert (exact['pred'] - exact['target']).abs().mean() < 0.1 * (zero['pred'] - zero['target']).abs().mean()


def test_sampling_is_reproducible_for_a_seed():
    torch.manual_seed(0)
    net = ConditionalUNet(nf=8, ch_mult=(1, 2))
    x = torch.rand(2, 3, 12, 12)
    first = IRSDEGenerator(sampler=dict(type='PosteriorSampler', steps=4), seed=3, progress_bar=False).sample(net, x)['pred']
    again = IRSDEGenerator(sampler=dict(type='PosteriorSampler', steps=4), seed=3, progress_bar=False).sample(net, x)['pred']
    other = IRSDEGenerator(sampler=dict(type='PosteriorSampler', steps=4), seed=4, progress_bar=False).sample(net, x)['pred']
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    assert first.shape == x.shape and first.min() >= 0 and first.max() <= 1


def test_invalid_options_raise():
    with pytest.raises(ValueError, match=r'model\.generator\.sampler\.steps must be in \[1, T = model.generator.num_steps = 10\]'):
        IRSDEGenerator(num_steps=10, sampler=dict(type='PosteriorSampler', steps=11))
    with pytest.raises(ValueError, match='schedule'):
        IRSDEGenerator(schedule='quadratic')
    with pytest.raises(ValueError, match='prediction'):
        IRSDEGenerator(prediction='velocity')
    with pytest.raises(TypeError, match=r"model\.generator\.sampler must be a dict.*'MRSampler'"):
        IRSDEGenerator(sampler='posterior')


@pytest.mark.parametrize('sampler', [dict(type='PosteriorSampler'), dict(type='EulerMaruyamaSampler', last_step_noise=False)])
def test_clean_prediction_with_exact_clean_image_recovers_it(sampler):
    """prediction='clean': a network returning x0 − μ gives the exact noise, so sampling recovers x0."""
    gt, mu = _pair(16)
    gen = IRSDEGenerator(num_steps=20, sampler=sampler, prediction='clean', progress_bar=False)
    torch.manual_seed(1)
    exact = gen.forward_train(lambda x, m, t: gt - m, mu, gt)
    torch.manual_seed(1)
    rainy = gen.forward_train(lambda x, m, t: torch.zeros_like(m), mu, gt)  # predicts x0 = μ
    assert (exact['pred'] - exact['target']).abs().mean() < 0.1 * (rainy['pred'] - rainy['target']).abs().mean()
    out = gen.sample(lambda x, m, t: gt - m, mu)['pred']
    assert ((out - gt) ** 2).mean() < 1e-4 * ((mu - gt) ** 2).mean()


def test_last_step_without_noise_removes_the_discretisation_noise():
    """With few large steps the Euler-Maruyama noise of the last step is what is left of the error."""
    gt, mu = _pair(16)
    errors = {}
    for last_step_noise in (True, False):
        gen = IRSDEGenerator(stationary_std=50 / 255, num_steps=10, progress_bar=False,
                             sampler=dict(type='EulerMaruyamaSampler', last_step_noise=last_step_noise))
        errors[last_step_noise] = ((gen.sample(_oracle(gen, gt), mu)['pred'] - gt) ** 2).mean()
    assert errors[False] < 0.01 * errors[True]
    assert errors[False] < 1e-4 * ((mu - gt) ** 2).mean()


@pytest.mark.parametrize('prediction', ['noise', 'clean'])
def test_training_returns_the_clean_image_the_prediction_implies(prediction):
    """``clean`` is Eq. 7 solved for x0: the exact prediction gives x0 at every t, one off by δ in the clean residual
    gives x0 + δ (with prediction='noise', a noise off by δ e^{−θ̄_t} / σ̄_t at each sample's t)."""
    gt, mu = _pair(16)
    gen = IRSDEGenerator(num_steps=20, eps=0.1, prediction=prediction)
    schedule, delta = gen.schedule, 0.01 * torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(2))

    def network(x, m, t, shift=0.0):
        if prediction == 'clean':
            return gt + shift - m
        return (x - schedule.mu_bar(gt + shift, m, t)) / schedule.sigma_bar(t)

    for t_seed in range(3):  # three draws of t
        torch.manual_seed(t_seed)
        exact = gen.forward_train(network, mu, gt)['clean']
        torch.manual_seed(t_seed)
        shifted = gen.forward_train(lambda x, m, t: network(x, m, t, delta), mu, gt)['clean']
        torch.testing.assert_close(exact, gt, rtol=0, atol=2e-5)
        torch.testing.assert_close(shifted, gt + delta, rtol=0, atol=2e-5)
