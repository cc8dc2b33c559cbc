"""RainMaskBCELoss, CLIP-RPN Eqs. (4), (5), (15): target, BCE against hand-computed values,
mixed precision, and the target padded as the U-Net pads its input."""
import math

import pytest
import torch

from derain_toolkit.models.layers.rain_mask_head import RainMaskHead
from derain_toolkit.models.losses.mask_bce import RainMaskBCELoss, rain_mask_target


def _pair():
    gt = torch.zeros(1, 3, 2, 2)
    inputs = gt.clone()
    inputs[0, 0, 0, 0] = 0.5    # red differs by 0.5 -> rainy
    inputs[0, 2, 0, 1] = 0.05   # blue by 0.05 -> below threshold
    inputs[0, 1, 1, 0] = 0.2    # green by 0.2 -> rainy (max over RGB)
    return inputs, gt


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_target_is_max_over_rgb_above_threshold():
    inputs, gt = _pair()
    assert rain_mask_target(inputs, gt).tolist() == [[[[1.0, 0.0], [1.0, 0.0]]]]


def test_bce_against_hand_computed_values():
    inputs, gt = _pair()
    full = torch.tensor([[[[_logit(0.8), _logit(0.3)], [_logit(0.6), _logit(0.1)]]]])
    coarse = torch.tensor([[[[_logit(0.4)]]]])
    bce_full = -(math.log(0.8) + math.log(0.7) + math.log(0.6) + math.log(0.9)) / 4
    # area target at 1x1: 2 rainy pixels of 4 -> 0.5
    bce_coarse = -(0.5 * math.log(0.4) + 0.5 * math.log(0.6))
    loss = RainMaskBCELoss()([full, coarse], 1, inputs, gt)
    assert loss.item() == pytest.approx(bce_full + bce_coarse, rel=1e-6)
    # nearest: the 1x1 target samples pixel (0, 0), which is rainy
    nearest = RainMaskBCELoss(target_resize='nearest')([coarse], 1, inputs, gt)
    assert nearest.item() == pytest.approx(-math.log(0.4), rel=1e-6)


def test_weight_and_keys_follow_eq15():
    loss = RainMaskBCELoss()
    assert loss.loss_weight == 0.1 and loss.input_keys == ('mask_logits', 'pad_multiple', 'inputs', 'gt')
    with pytest.raises(ValueError, match='no masks'):
        loss([], 1, torch.zeros(1, 3, 2, 2), torch.zeros(1, 3, 2, 2))


def _confident_head(logit: float) -> RainMaskHead:
    """A head whose every output logit is ``logit``, whatever the image."""
    head = RainMaskHead()
    with torch.no_grad():
        head.body[-1].weight.zero_()
        head.body[-1].bias.fill_(logit)
    return head


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
@pytest.mark.parametrize('logit', [7.0, 9.0])
def test_confidently_wrong_pixels_keep_the_fp32_loss_and_gradient_under_autocast(dtype, logit):
    """A rain-free pair (target 0) with logits 7 and 9: the fp32 BCE is softplus(logit) ≈ logit.

    The head runs under CPU autocast in ``dtype`` (CPU autocast supports float16 on this torch
    for conv, so no hand cast is needed); σ of 7 in bfloat16 or of 9 in float16 is exactly 1.
    """
    image = torch.rand(2, 3, 8, 8)
    expected = math.log1p(math.exp(logit))  # softplus: BCE(σ(x), 0) = log(1 + e^x)
    head = _confident_head(logit)
    with torch.autocast(device_type='cpu', dtype=dtype):
        logits = head(image, (4, 4))
        assert logits.dtype == dtype
        loss = RainMaskBCELoss()([logits], 1, image, image)
    loss.backward()
    assert loss.dtype == torch.float32
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    grad = head.body[-1].bias.grad
    assert torch.isfinite(grad).all()
    assert grad.item() == pytest.approx(torch.sigmoid(torch.tensor(logit)).item(), rel=1e-3)  # d softplus = σ


def test_target_is_padded_as_the_unet_pads_the_image():
    """A 5x7 image padded to 8x8 (multiple 4): a rainy pixel on the last row and column lands in
    cell (4 // s, 6 // s) of each level, and the reflected padding adds no copy of it."""
    gt = torch.zeros(1, 3, 5, 7)
    inputs = gt.clone()
    inputs[0, :, 4, 6] = 1.0
    stride2, stride4 = RainMaskBCELoss().level_targets([(4, 4), (2, 2)], 4, inputs, gt)
    expected2 = torch.zeros(4, 4)
    expected2[2, 3] = 0.25  # one rainy pixel of the 2x2 cell
    expected4 = torch.zeros(2, 2)
    expected4[1, 1] = 1 / 16
    torch.testing.assert_close(stride2[0, 0], expected2)
    torch.testing.assert_close(stride4[0, 0], expected4)
    with pytest.raises(ValueError, match='padded grid'):
        RainMaskBCELoss().level_targets([(3, 4)], 4, inputs, gt)
