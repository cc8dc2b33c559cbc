"""SSIMLoss against a per-pixel loop over the SSIM formula (Gaussian window, zero padding)."""
import math

import numpy as np
import pytest
import torch

from derain_toolkit.registry import LOSSES


def _ssim_by_loops(x: np.ndarray, y: np.ndarray, size: int = 11, sigma: float = 1.5) -> float:
    """Mean SSIM of two (H, W) images: Gaussian-weighted local statistics at each pixel, zeros outside."""
    half = size // 2
    g = np.array([math.exp(-(k - half)**2 / (2 * sigma**2)) for k in range(size)])
    window = np.outer(g, g) / g.sum()**2
    xp, yp = np.pad(x, half), np.pad(y, half)
    c1, c2 = 0.01**2, 0.03**2
    values = []
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            px, py = xp[i:i + size, j:j + size], yp[i:i + size, j:j + size]
            mx, my = (window * px).sum(), (window * py).sum()
            vx, vy = (window * px * px).sum() - mx**2, (window * py * py).sum() - my**2
            cov = (window * px * py).sum() - mx * my
            values.append((2 * mx * my + c1) * (2 * cov + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    return float(np.mean(values))


def test_equals_the_negative_mean_of_the_ssim_formula_per_channel():
    torch.manual_seed(0)
    gt = torch.rand(2, 3, 9, 13, dtype=torch.float64)
    pred = (0.6 * gt + 0.4 * torch.rand_like(gt)).requires_grad_()
    loss = LOSSES.build(dict(type='SSIMLoss'))(pred, gt)
    expected = np.mean([_ssim_by_loops(pred[b, c].detach().numpy(), gt[b, c].numpy())
                        for b in range(2) for c in range(3)])
    assert loss.item() == pytest.approx(-expected, rel=1e-12)
    loss.backward()
    assert pred.grad.abs().sum() > 0


def test_a_perfect_prediction_scores_minus_one():
    x = torch.rand(1, 3, 16, 16)
    assert LOSSES.build(dict(type='SSIMLoss'))(x, x).item() == pytest.approx(-1.0, abs=1e-6)


def test_even_window_is_refused():
    with pytest.raises(ValueError, match='odd'):
        LOSSES.build(dict(type='SSIMLoss', window_size=10))
