from derain_toolkit.utils.imports import import_submodules

import_submodules(__name__)

from derain_toolkit.evaluation.functional import psnr, rgb2ycbcr_y, ssim  # noqa: E402

__all__ = ['psnr', 'ssim', 'rgb2ycbcr_y']
