"""MultiStageLoss sums its inner loss over the stage outputs, under the inner loss's name."""
import pytest
import torch

from derain_toolkit import build_model
from derain_toolkit.registry import LOSSES


def test_sums_the_inner_loss_over_the_stages():
    loss = LOSSES.build(dict(type='MultiStageLoss', loss=dict(type='L1Loss'), loss_weight=0.5))
    target = torch.zeros(1, 3, 2, 2)
    stages = [torch.full_like(target, value) for value in (1.0, -2.0, 0.25)]
    assert loss(stages, target).item() == pytest.approx(1.0 + 2.0 + 0.25)
    assert (loss.name, loss.input_keys, loss.loss_weight) == ('l1', ('stages', 'target'), 0.5)


def test_the_model_weights_each_stage_sum():
    torch.manual_seed(0)
    model = build_model(dict(
        type='Derainer', backbone=dict(type='PReNet', channels=4, stages=3, num_res_blocks=1),
        losses=[dict(type='MultiStageLoss', loss=dict(type='L1Loss'), loss_weight=0.5),
                dict(type='MultiStageLoss', loss=dict(type='L2Loss'), key='stages', loss_weight=2.0)]))
    x, gt = torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8)
    losses = model(x, dict(gt=gt, meta=[{}]), mode='loss')
    stages = model.backbone(x)['stages']
    assert losses['loss_l1'].item() == pytest.approx(0.5 * sum((s - gt).abs().mean().item() for s in stages))
    assert losses['loss_l2'].item() == pytest.approx(2.0 * sum((s - gt).square().mean().item() for s in stages))


def test_misconfigurations_are_refused():
    with pytest.raises(ValueError, match='give the weight to the wrapper'):
        LOSSES.build(dict(type='MultiStageLoss', loss=dict(type='L1Loss', loss_weight=2.0)))
    with pytest.raises(ValueError, match='reads'):
        LOSSES.build(dict(type='MultiStageLoss', loss=dict(type='RainMaskBCELoss')))
