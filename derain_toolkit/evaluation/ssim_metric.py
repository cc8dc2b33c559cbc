"""SSIM on the Y channel as Restormer's ``evaluate_PSNR_SSIM.m`` (CLIP-RPN Sec. 4.1)."""
from derain_toolkit.evaluation._image_quality_metric import ImageQualityMetric
from derain_toolkit.evaluation.functional import ssim
from derain_toolkit.registry import METRICS


@METRICS.register_module()
class SSIMMetric(ImageQualityMetric):
    """Mean SSIM (Wang et al. 2004, Gaussian 11x11, sigma 1.5, 'valid') of ``pred`` against ``gt``.

    Reported as ``'SSIM'``. See :class:`ImageQualityMetric` for the arguments and
    :mod:`derain_toolkit.evaluation.functional` for the conventions.
    """

    metric_name = 'SSIM'
    score_fn = staticmethod(ssim)
