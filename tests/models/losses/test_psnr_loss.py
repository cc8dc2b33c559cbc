"""PSNRLoss: minus the mean of the images' PSNRs (HINet / NAFNet's PSNR loss), by a loop in float64."""
import math

import numpy as np
import torch

from derain_toolkit.models.losses.psnr_loss import PSNRLoss
from derain_toolkit.registry import LOSSES


def _minus_mean_psnr(pred: np.ndarray, target: np.ndarray) -> float:
    """-(1/B) Σ_i 10 log10(1 / MSE_i), images in [0, 1]."""
    psnrs = [10 * math.log10(1 / np.mean((p - t) ** 2)) for p, t in zip(pred, target)]
    return -sum(psnrs) / len(psnrs)


def test_equals_minus_the_mean_psnr_of_the_images():
    generator = torch.Generator().manual_seed(0)
    target = torch.rand(3, 3, 8, 8, generator=generator, dtype=torch.float64)
    # very different errors per image: the mean of the logs is not the log of the mean
    noise = torch.randn(3, 3, 8, 8, generator=generator, dtype=torch.float64) * torch.tensor([0.3, 0.03, 0.003],
                                                                                               dtype=torch.float64).view(3, 1, 1, 1)
    pred = target + noise
    loss = PSNRLoss(eps=0.0)(pred, target)
    assert abs(loss.item() - _minus_mean_psnr(pred.numpy(), target.numpy())) < 1e-9


def test_each_image_weighs_by_the_inverse_of_its_error():
    """d/d pred_i of (10/ln 10) log(MSE_i) / B = (10/ln 10) 2 (pred_i - target_i) / (N MSE_i B)."""
    target = torch.zeros(2, 1, 2, 2, dtype=torch.float64)
    pred = torch.stack([torch.full((1, 2, 2), 0.1), torch.full((1, 2, 2), 0.01)]).double().requires_grad_()
    PSNRLoss(eps=0.0)(pred, target).backward()
    expected = [10 / math.log(10) * 2 * err / (4 * err**2 * 2) for err in (0.1, 0.01)]
    assert torch.allclose(pred.grad[:, 0, 0, 0], torch.tensor(expected, dtype=torch.float64))
    assert pred.grad[1, 0, 0, 0] > 9 * pred.grad[0, 0, 0, 0]  # the nearly clean image pulls ten times harder


def test_registered_with_its_weight_and_name():
    loss = LOSSES.build(dict(type='PSNRLoss', loss_weight=0.1))
    assert isinstance(loss, PSNRLoss) and loss.loss_weight == 0.1 and loss.name == 'psnr'
    assert torch.isfinite(loss(torch.ones(1, 3, 4, 4), torch.ones(1, 3, 4, 4)))  # eps keeps a perfect match finite
