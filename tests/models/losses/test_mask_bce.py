"""RainMaskBCELoss, CLIP-RPN Eqs. (4), (5), (15): target and BCE against hand-computed values."""
import math

import pytest
import torch

from derain_toolkit.models.losses.mask_bce import RainMaskBCELoss, rain_mask_target


def _pair():
    gt = torch.zeros(1, 3, 2, 2)
    inputs = gt.clone()
    inputs[0, 0, 0, 0] = 0.5    # red differs by 0.5 -> rainy
    inputs[0, 2, 0, 1] = 0.05   # blue by 0.05 -> below threshold
    inputs[0, 1, 1, 0] = 0.2    # green by 0.2 -> rainy (max over RGB)
    return inputs, gt


def test_target_is_max_over_rgb_above_threshold():
    inputs, gt = _pair()
    assert rain_mask_target(inputs, gt).tolist() == [[[[1.0, 0.0], [1.0, 0.0]]]]


def test_bce_against_hand_computed_values():
    inputs, gt = _pair()
    full = torch.tensor([[[[0.8, 0.3], [0.6, 0.1]]]])
    coarse = torch.tensor([[[[0.4]]]])
    bce_full = -(math.log(0.8) + math.log(0.7) + math.log(0.6) + math.log(0.9)) / 4
    # area target at 1x1: 2 rainy pixels of 4 -> 0.5
    bce_coarse = -(0.5 * math.log(0.4) + 0.5 * math.log(0.6))
    loss = RainMaskBCELoss()([full, coarse], inputs, gt)
    assert loss.item() == pytest.approx(bce_full + bce_coarse, rel=1e-6)
    # nearest: the 1x1 target samples pixel (0, 0), which is rainy
    nearest = RainMaskBCELoss(target_resize='nearest')([coarse], inputs, gt)
    assert nearest.item() == pytest.approx(-math.log(0.4), rel=1e-6)


def test_weight_and_keys_follow_eq15():
    loss = RainMaskBCELoss()
    assert loss.loss_weight == 0.1 and loss.input_keys == ('masks', 'inputs', 'gt')
    with pytest.raises(ValueError, match='no masks'):
        loss([], torch.zeros(1, 3, 2, 2), torch.zeros(1, 3, 2, 2))
