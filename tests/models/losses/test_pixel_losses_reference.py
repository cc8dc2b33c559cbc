"""ℓ1, ℓ2 and Huber (CLIP-RPN Table 11) against their closed forms, element by element."""
import pytest
import torch

from derain_toolkit.registry import LOSSES


def _pair():
    torch.manual_seed(0)
    return torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)


def _mean(values):
    return sum(values) / len(values)


def _errors(pred, target):
    return [p - t for p, t in zip(pred.flatten().tolist(), target.flatten().tolist())]


def test_l1_and_l2():
    pred, target = _pair()
    errors = _errors(pred, target)
    assert LOSSES.build(dict(type='L1Loss'))(pred, target).item() == pytest.approx(_mean([abs(e) for e in errors]),
                                                                                   rel=1e-5)
    assert LOSSES.build(dict(type='L2Loss'))(pred, target).item() == pytest.approx(_mean([e * e for e in errors]),
                                                                                   rel=1e-5)


@pytest.mark.parametrize('delta', [0.3, 1.0])
def test_huber(delta):
    pred, target = _pair()

    def huber(e):
        e = abs(e)
        return 0.5 * e * e if e <= delta else delta * (e - 0.5 * delta)

    expected = _mean([huber(e) for e in _errors(pred, target)])
    assert LOSSES.build(dict(type='HuberLoss', delta=delta))(pred, target).item() == pytest.approx(expected, rel=1e-5)


def test_huber_default_delta_is_1_and_delta_must_be_positive():
    pred, target = torch.tensor([3.0, 0.5]), torch.zeros(2)
    assert LOSSES.build(dict(type='HuberLoss'))(pred, target).item() == pytest.approx((2.5 + 0.125) / 2)
    assert [LOSSES.build(dict(type=name)).loss_weight for name in ('L1Loss', 'L2Loss', 'HuberLoss')] == [1.0] * 3
    with pytest.raises(ValueError, match='delta'):
        LOSSES.build(dict(type='HuberLoss', delta=0))
