"""EdgeLoss against the Laplacian-pyramid level written with numpy loops."""
import numpy as np
import pytest
import torch

from derain_toolkit.registry import LOSSES

TAPS = np.array([0.05, 0.25, 0.4, 0.25, 0.05])


def _blur(img: np.ndarray) -> np.ndarray:
    """5x5 Gaussian (outer product of TAPS) with edge-replicated borders, same size."""
    padded = np.pad(img, 2, mode='edge')
    kernel = np.outer(TAPS, TAPS)
    out = np.zeros_like(img)
    for i in range(img.shape[0]):
        for j in range(img.shape[1]):
            out[i, j] = (kernel * padded[i:i + 5, j:j + 5]).sum()
    return out


def _laplacian(img: np.ndarray) -> np.ndarray:
    blurred = _blur(img)
    sparse = np.zeros_like(img)
    sparse[::2, ::2] = 4 * blurred[::2, ::2]  # keep every second sample, put it back with zeros between
    return img - _blur(sparse)


def test_equals_the_charbonnier_of_the_laplacian_difference():
    torch.manual_seed(0)
    pred, gt = torch.rand(2, 3, 9, 12, dtype=torch.float64), torch.rand(2, 3, 9, 12, dtype=torch.float64)
    diff = np.stack([[_laplacian(pred[b, c].numpy()) - _laplacian(gt[b, c].numpy()) for c in range(3)]
                     for b in range(2)])
    expected = np.sqrt(diff**2 + 1e-6).mean()
    assert LOSSES.build(dict(type='EdgeLoss', eps=1e-3))(pred, gt).item() == pytest.approx(expected, rel=1e-12)


def test_smooth_images_have_no_edges():
    """A linear ramp is reproduced exactly by the pyramid level away from the borders: zero Laplacian."""
    ramp = torch.linspace(0, 1, 20, dtype=torch.float64).expand(1, 3, 20, 20)
    laplacian = LOSSES.build(dict(type='EdgeLoss')).laplacian(ramp)
    assert laplacian[..., 4:-4, 4:-4].abs().max() < 1e-12
    assert laplacian.abs().max() > 1e-3  # the replicated borders are not smooth
