"""Rain-mask BCE against CLIP-RPN Eqs. (4), (5) and (15), written out per pixel.

Eq. (4): a pixel is rainy where ``|I − I'| > 0.1`` (any RGB channel). Eq. (5):
``−[M log M̂ + (1 − M) log(1 − M̂)]`` averaged over a level; Eq. (15): summed over the
levels (the 0.1 is the loss weight the model applies). The loss takes the logits of M̂ and the
network's pad multiple (1 here: the images tile every level). A level smaller than the image
gets the fraction of rainy pixels in its cell (``'area'``) or the pixel at the cell's
top-left corner (``'nearest'``).
"""
import math

import pytest
import torch

from derain_toolkit.registry import LOSSES


def _pair():
    torch.manual_seed(0)
    gt = torch.rand(2, 3, 8, 12)
    rain = (gt + (torch.rand(2, 3, 8, 12) < 0.3) * torch.rand(2, 3, 8, 12) * 0.4).clamp(0, 1)
    return rain, gt


def _binary_mask(rain, gt, threshold=0.1):
    batch, _, height, width = rain.shape
    mask = torch.zeros(batch, height, width)
    for b in range(batch):
        for y in range(height):
            for x in range(width):
                mask[b, y, x] = float(any(abs(rain[b, c, y, x] - gt[b, c, y, x]) > threshold for c in range(3)))
    return mask


def _level_target(mask, size, mode):
    batch, height, width = mask.shape
    sy, sx = height // size[0], width // size[1]
    target = torch.zeros(batch, *size)
    for b in range(batch):
        for i in range(size[0]):
            for j in range(size[1]):
                cell = mask[b, i * sy:(i + 1) * sy, j * sx:(j + 1) * sx]
                target[b, i, j] = cell.mean() if mode == 'area' else cell[0, 0]
    return target


def _bce(pred, target):
    terms = [-(t * math.log(p) + (1 - t) * math.log(1 - p)) for p, t in zip(pred.flatten().tolist(),
                                                                              target.flatten().tolist())]
    return sum(terms) / len(terms)


@pytest.mark.parametrize('mode', ['area', 'nearest'])
def test_multi_level_bce_is_the_sum_of_per_level_means(mode):
    rain, gt = _pair()
    torch.manual_seed(1)
    masks = [torch.rand(2, 1, 2, 3) * 0.9 + 0.05, torch.rand(2, 1, 4, 6) * 0.9 + 0.05, torch.rand(2, 1, 8, 12) * 0.9 + 0.05]
    loss = LOSSES.build(dict(type='RainMaskBCELoss', target_resize=mode))
    binary = _binary_mask(rain, gt)
    expected = sum(_bce(m[:, 0], _level_target(binary, m.shape[-2:], mode)) for m in masks)
    assert loss([m.logit() for m in masks], 1, rain, gt).item() == pytest.approx(expected, rel=1e-5)


def test_threshold_is_strict_and_on_the_largest_channel():
    gt = torch.zeros(1, 3, 1, 4)
    rain = gt.clone()
    rain[0, 2, 0, 1] = 0.1 + 1e-3  # blue just above the threshold: rainy
    rain[0, 0, 0, 2] = 0.05  # below on every channel: clear
    rain[0, 1, 0, 3] = 0.1 - 1e-3  # just below the threshold: clear
    rain[0, 0, 0, 0] = -0.3  # darker than the clean image: |I - I'| counts, rainy
    gt[0, 1, 0, 2] = 0.1  # exactly at the threshold: not "greater than 0.1", clear
    pred = torch.full((1, 1, 1, 4), 0.25)
    target = torch.tensor([1.0, 1.0, 0.0, 0.0])
    expected = _bce(pred.flatten(), target)
    loss = LOSSES.build(dict(type='RainMaskBCELoss'))
    assert loss([pred.logit()], 1, rain, gt).item() == pytest.approx(expected, rel=1e-6)
    strict = LOSSES.build(dict(type='RainMaskBCELoss', threshold=0.2))([pred.logit()], 1, rain, gt).item()
    assert strict == pytest.approx(_bce(pred.flatten(), torch.tensor([1.0, 0.0, 0.0, 0.0])), rel=1e-6)
