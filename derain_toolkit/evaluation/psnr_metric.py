"""PSNR on the Y channel as Restormer's ``evaluate_PSNR_SSIM.m`` (CLIP-RPN Sec. 4.1)."""
from derain_toolkit.evaluation._image_quality_metric import ImageQualityMetric
from derain_toolkit.evaluation.functional import psnr
from derain_toolkit.registry import METRICS


@METRICS.register_module()
class PSNRMetric(ImageQualityMetric):
    """Mean PSNR (dB, peak 255) of ``pred`` against ``gt``; reported as ``'PSNR'``.

    Identical images score ``inf`` (as MATLAB), which makes the mean ``inf``.
    See :class:`ImageQualityMetric` for the arguments and
    :mod:`derain_toolkit.evaluation.functional` for the conventions.
    """

    metric_name = 'PSNR'
    score_fn = staticmethod(psnr)
