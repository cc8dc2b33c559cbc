"""PSNRMetric / SSIMMetric on predict outputs: registry build, values, prefix, per-source means."""
import numpy as np
import pytest
import torch

from derain_toolkit.evaluation import psnr, ssim
from derain_toolkit.registry import METRICS
from derain_toolkit.utils.image_io import from_float01


def _outputs(n, seed=0, dataset=None):
    torch.manual_seed(seed)
    outs = []
    for i in range(n):
        gt = torch.rand(3, 16, 20)
        pred = (gt + 0.05 * torch.randn_like(gt)).clamp(0, 1)
        outs.append(dict(pred=pred, gt=gt, key=str(i), dataset=dataset))
    return outs


def _hwc_u8(t):
    return from_float01(t.permute(1, 2, 0).double().numpy())


@pytest.mark.parametrize('name,fn', [('PSNR', psnr), ('SSIM', ssim)])
def test_metric_is_mean_of_rounded_functional(name, fn):
    metric = METRICS.build(dict(type=f'{name}Metric'))
    outputs = _outputs(3)
    metric.process(None, outputs[:2])
    metric.process(None, outputs[2:])
    result = metric.evaluate(3)
    expected = np.mean([fn(_hwc_u8(o['pred']), _hwc_u8(o['gt'])) for o in outputs])
    assert list(result) == [name] and result[name] == pytest.approx(expected, abs=1e-10)


def test_prefix_options_and_per_dataset_means():
    metric = METRICS.build(dict(type='PSNRMetric', prefix='val', y_channel=False, crop_border=2))
    a, b = _outputs(2, 0, 'Rain100L'), _outputs(1, 1, 'Rain100H')
    metric.process(None, a + b)
    result = metric.evaluate(3)
    score = lambda o: psnr(_hwc_u8(o['pred']), _hwc_u8(o['gt']), crop_border=2, y_channel=False)  # noqa: E731
    assert set(result) == {'val/PSNR', 'val/PSNR_Rain100L', 'val/PSNR_Rain100H'}
    assert result['val/PSNR_Rain100L'] == pytest.approx(np.mean([score(o) for o in a]))
    assert result['val/PSNR'] == pytest.approx(np.mean([score(o) for o in a + b]))


def test_missing_gt_is_a_clear_error():
    metric = METRICS.build(dict(type='SSIMMetric'))
    with pytest.raises(ValueError, match="needs the ground truth 'gt'"):
        metric.process(None, [dict(pred=torch.rand(3, 16, 16), gt=None, key='x')])
