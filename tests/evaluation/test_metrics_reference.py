"""ImageQualityMetric against the functional PSNR on 8-bit (H, W, 3) arrays built by hand from the tensors."""
import numpy as np
import pytest
import torch

from derain_toolkit.evaluation import psnr, rgb2ycbcr_y
from derain_toolkit.registry import METRICS


def _u8(t: torch.Tensor) -> np.ndarray:
    """(3, H, W) in [0, 1] -> (H, W, 3) uint8, written per element (round half to even, as img_as_ubyte)."""
    out = np.zeros((t.shape[1], t.shape[2], 3), np.uint8)
    for c in range(3):
        out[:, :, c] = np.round(t[c].double().numpy() * 255)
    return out


def test_score_input_reports_the_rainy_input_against_gt():
    torch.manual_seed(0)
    samples = []
    for i in range(2):
        gt = torch.rand(3, 12, 14)
        samples.append(dict(gt=gt, pred=(gt + 0.02 * torch.randn_like(gt)).clamp(0, 1),
                            inputs=(gt + 0.2 * torch.rand_like(gt)).clamp(0, 1), key=str(i)))
    metric = METRICS.build(dict(type='PSNRMetric', score_input=True))
    metric.process(None, samples)
    result = metric.evaluate(2)
    assert result['PSNR'] == pytest.approx(np.mean([psnr(_u8(s['pred']), _u8(s['gt'])) for s in samples]))
    assert result['PSNR_input'] == pytest.approx(np.mean([psnr(_u8(s['inputs']), _u8(s['gt'])) for s in samples]))
    assert result['PSNR_input'] < result['PSNR']


@pytest.mark.parametrize('shape', [(1, 12, 12), (3, 12), (4, 12, 12)])
def test_predictions_must_be_rgb_chw(shape):
    metric = METRICS.build(dict(type='PSNRMetric'))
    with pytest.raises(ValueError, match=r"'pred' to be a \(3, H, W\)"):
        metric.process(None, [dict(pred=torch.rand(*shape), gt=torch.rand(3, 12, 12), key='x')])


def test_luma_needs_three_channels():
    with pytest.raises(ValueError, match='RGB'):
        rgb2ycbcr_y(np.zeros((4, 4, 4), np.uint8))


def test_rgba_is_refused_in_rgb_mode_too():
    rgba = np.zeros((12, 12, 4), np.uint8)
    with pytest.raises(ValueError, match=r'\(H, W, 3\) RGB'):
        psnr(rgba, rgba, y_channel=False)
