"""CharbonnierLoss against its closed form, and its gradient where ℓ1's is undefined."""
import math

import pytest
import torch

from derain_toolkit.registry import LOSSES


def test_equals_the_closed_form_and_defaults_to_mprnets_eps():
    pred, target = torch.tensor([0.0, 0.5, 1.0, -2.0]), torch.tensor([0.0, 0.2, 0.0, 1.0])
    loss = LOSSES.build(dict(type='CharbonnierLoss'))
    # residuals 0, 0.3, 1, 3 with eps = 1e-3 (official Deraining/losses.py)
    expected = (1e-3 + math.sqrt(0.09 + 1e-6) + math.sqrt(1 + 1e-6) + math.sqrt(9 + 1e-6)) / 4
    assert loss(pred, target).item() == pytest.approx(expected, rel=1e-6)
    assert LOSSES.build(dict(type='CharbonnierLoss', eps=0.5))(pred, target).item() == pytest.approx(
        (0.5 + math.sqrt(0.34) + math.sqrt(1.25) + math.sqrt(9.25)) / 4, rel=1e-6)


def test_gradient_is_finite_at_zero_residual_and_l1_like_far_from_it():
    """d/dx sqrt(x² + eps²) = x / sqrt(x² + eps²): 0 at x = 0, about sign(x) for |x| >> eps; averaged over n."""
    pred = torch.tensor([0.0, 2.0, -2.0, 1e-3], dtype=torch.float64, requires_grad=True)
    LOSSES.build(dict(type='CharbonnierLoss', eps=1e-3))(pred, torch.zeros(4, dtype=torch.float64)).backward()
    expected = torch.tensor([0.0, 2 / math.sqrt(4 + 1e-6), -2 / math.sqrt(4 + 1e-6), 1 / math.sqrt(2)],
                            dtype=torch.float64) / 4
    assert torch.isfinite(pred.grad).all()
    assert torch.allclose(pred.grad, expected, rtol=1e-9, atol=0)


def test_rejects_a_non_positive_eps():
    with pytest.raises(ValueError, match='eps must be > 0'):
        LOSSES.build(dict(type='CharbonnierLoss', eps=0.0))
