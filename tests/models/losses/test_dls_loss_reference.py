"""DLS loss against CLIP-RPN Eq. (14), ``l = ε^p(τ)``, ``p(τ) = β + η f(τ) / T``, in closed form.

The module smooths ε at 0 (``(ε² + δ²)^(p/2) − δ^p``, its docstring); the reference uses
the same closed form element by element with Python floats, and each schedule f(τ) as
written in the docstring: linear τ, quadratic τ²/T, cosine T(1 − cos(πτ/T))/2.
"""
import math

import pytest
import torch

from derain_toolkit.registry import LOSSES

_F = {
    'linear': lambda tau, total: tau,
    'quadratic': lambda tau, total: tau**2 / total,
    'cosine': lambda tau, total: total * (1 - math.cos(math.pi * tau / total)) / 2,
}


def _reference(pred, target, power, delta):
    errors = [p - t for p, t in zip(pred.flatten().tolist(), target.flatten().tolist())]
    return sum((e * e + delta * delta)**(power / 2) - delta**power for e in errors) / len(errors)


@pytest.mark.parametrize('schedule', ['linear', 'quadratic', 'cosine'])
@pytest.mark.parametrize('tau', [0, 37, 100])
def test_loss_is_eq14_with_the_scheduled_exponent(schedule, tau):
    beta, eta, delta, total = 0.7, 1.9, 0.05, 100
    loss = LOSSES.build(dict(type='DLSLoss', beta=beta, eta=eta, schedule=schedule, delta=delta))
    loss.set_training_progress(tau, total)
    power = beta + eta * _F[schedule](tau, total) / total
    assert loss.exponent == pytest.approx(power, rel=1e-12)
    torch.manual_seed(0)
    pred, target = torch.rand(2, 3, 4, 5), torch.rand(2, 3, 4, 5)
    assert loss(pred, target).item() == pytest.approx(_reference(pred, target, power, delta), rel=1e-5)


def test_progress_past_the_end_is_clamped_to_t_and_unknown_progress_uses_beta():
    loss = LOSSES.build(dict(type='DLSLoss', beta=0.8, eta=2.3, delta=0.01))
    pred, target = torch.tensor([0.3, -0.2, 0.0]), torch.zeros(3)
    with pytest.warns(UserWarning, match='no training progress'):
        value = loss(pred, target).item()
    assert value == pytest.approx(_reference(pred, target, 0.8, 0.01), rel=1e-5)
    loss.set_training_progress(250, 200)
    assert loss.exponent == pytest.approx(3.1)
    assert loss(pred, target).item() == pytest.approx(_reference(pred, target, 3.1, 0.01), rel=1e-5)


def test_paper_defaults_beta_08_eta_23_linear_delta_1e_3():
    loss = LOSSES.build(dict(type='DLSLoss'))
    loss.set_training_progress(50, 100)
    assert loss.exponent == pytest.approx(0.8 + 2.3 * 0.5)
    pred, target = torch.tensor([0.5, 0.1]), torch.zeros(2)
    assert loss(pred, target).item() == pytest.approx(_reference(pred, target, 1.95, 1e-3), rel=1e-5)
    assert loss.loss_weight == 1.0
    with pytest.raises(ValueError, match='max_iters'):
        loss.set_training_progress(0, 0)
