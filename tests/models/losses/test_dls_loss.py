import pytest
import torch

from derain_toolkit.registry import LOSSES


def test_exponent_at_start_and_end():
    loss = LOSSES.build(dict(type='DLSLoss', beta=0.8, eta=2.3))
    loss.set_training_progress(0, 1000)
    assert loss.exponent == pytest.approx(0.8)
    loss.set_training_progress(500, 1000)
    assert loss.exponent == pytest.approx(0.8 + 2.3 * 0.5)
    loss.set_training_progress(1000, 1000)
    assert loss.exponent == pytest.approx(3.1)


@pytest.mark.parametrize('tau, power', [(0, 0.8), (1000, 3.1)])
def test_value_is_error_to_the_power(tau, power):
    loss = LOSSES.build(dict(type='DLSLoss', delta=1e-6))
    loss.set_training_progress(tau, 1000)
    pred, target = torch.tensor([0.1, 0.4, 0.9]), torch.zeros(3)
    expected = (0.1**power + 0.4**power + 0.9**power) / 3
    assert loss(pred, target).item() == pytest.approx(expected, rel=1e-4)


def test_zero_error_has_zero_loss_and_finite_gradient():
    loss = LOSSES.build(dict(type='DLSLoss'))
    loss.set_training_progress(0, 100)  # exponent 0.8 < 1
    pred = torch.zeros(4, requires_grad=True)
    value = loss(pred, torch.zeros(4))
    value.backward()
    assert value.item() == pytest.approx(0.0, abs=1e-7)
    assert torch.isfinite(pred.grad).all()


def test_early_training_weights_small_errors_more_than_late():
    loss = LOSSES.build(dict(type='DLSLoss', delta=1e-6))
    grads = []
    for tau in (0, 100):
        loss.set_training_progress(tau, 100)
        pred = torch.tensor([0.05, 0.5], requires_grad=True)
        loss(pred, torch.zeros(2)).backward()
        grads.append(pred.grad[0] / pred.grad[1])  # small-error gradient relative to large-error
    assert grads[0] > 1 > grads[1]


def test_schedule_names():
    with pytest.raises(ValueError, match='linear'):
        LOSSES.build(dict(type='DLSLoss', schedule='exp'))
    loss = LOSSES.build(dict(type='DLSLoss', schedule='cosine'))
    loss.set_training_progress(50, 100)
    assert loss.exponent == pytest.approx(0.8 + 2.3 * 0.5)
