import pytest
import torch

from derain_toolkit.registry import LOSSES

PRED = torch.tensor([0.0, 0.5, 1.0, 3.0])
TARGET = torch.tensor([0.0, 0.0, 0.0, 0.0])


def test_l1():
    assert LOSSES.build(dict(type='L1Loss'))(PRED, TARGET).item() == pytest.approx((0 + 0.5 + 1 + 3) / 4)


def test_l2():
    assert LOSSES.build(dict(type='L2Loss'))(PRED, TARGET).item() == pytest.approx((0 + 0.25 + 1 + 9) / 4)


def test_huber_delta():
    # delta=1: 0, 0.5*0.25, 0.5*1, 1*(3-0.5)
    assert LOSSES.build(dict(type='HuberLoss', delta=1.0))(PRED, TARGET).item() == pytest.approx(
        (0 + 0.125 + 0.5 + 2.5) / 4)
    # delta=0.5: 0, 0.125, 0.5*(1-0.25), 0.5*(3-0.25)
    assert LOSSES.build(dict(type='HuberLoss', delta=0.5))(PRED, TARGET).item() == pytest.approx(
        (0 + 0.125 + 0.375 + 1.375) / 4)


def test_loss_weight_is_applied_by_the_model():
    import derain_toolkit
    model = derain_toolkit.build_model(dict(
        type='Derainer', backbone=dict(type='RestormerUNet', dim=8, num_blocks=[1, 1], heads=[1, 2],
                                       num_refinement_blocks=1),
        losses=[dict(type='L1Loss', loss_weight=1.0), dict(type='L2Loss', loss_weight=0.25)]))
    x, gt = torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8)
    losses = model(x, dict(gt=gt, meta=[{}]), mode='loss')
    pred = model.backbone(x)
    assert losses['loss_l1'].item() == pytest.approx((pred - gt).abs().mean().item(), rel=1e-5)
    assert losses['loss_l2'].item() == pytest.approx(0.25 * (pred - gt).pow(2).mean().item(), rel=1e-5)
