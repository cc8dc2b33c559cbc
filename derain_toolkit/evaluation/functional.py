"""PSNR and SSIM as the deraining papers report them.

The default reproduces Restormer's ``Deraining/evaluate_PSNR_SSIM.m``, the script
behind the Rain100L/H, Test100/1200/2800 (and CLIP-RPN Sec. 4.1, Table 3) numbers:

1. Both images are 8-bit RGB (results are saved as PNG with ``img_as_ubyte``,
   i.e. clipped, scaled by 255 and rounded half to even).
2. MATLAB ``rgb2ycbcr`` on ``uint8`` gives a ``uint8`` luma
   ``Y = round(16 + (65.481 R + 128.553 G + 24.966 B) / 255)`` (BT.601, R, G, B in 0..255).
3. PSNR ``= 20 log10(255 / RMSE)`` on Y as double.
4. SSIM is Wang et al.'s ``ssim_index.m``: 11 x 11 Gaussian window with
   sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255, ``filter2(..., 'valid')`` (no
   padding, no downsampling), mean of the SSIM map.

``psnr``/``ssim`` accept ``uint8`` arrays (used as they are) or float arrays in
[0, 1]; floats are rounded to ``uint8`` first when ``round_to_uint8=True`` (the
default, step 1). With ``round_to_uint8=False`` floats are scaled by 255 and kept
in full precision, and the Y channel is not rounded either.
``y_channel=False`` scores the three RGB channels (PSNR over all of them, SSIM the
mean of the per-channel SSIMs, as ``skimage.metrics.structural_similarity``).
``crop_border`` removes that many pixels on every side before scoring.
"""
import math

import cv2
import numpy as np

from derain_toolkit.utils.image_io import from_float01

_SSIM_WINDOW_SIZE = 11
_SSIM_SIGMA = 1.5
_SSIM_K1 = 0.01
_SSIM_K2 = 0.03
_PEAK = 255.0
_Y_COEFFS = np.array([65.481, 128.553, 24.966])


def rgb2ycbcr_y(image: np.ndarray) -> np.ndarray:
    """Luma of MATLAB's ``rgb2ycbcr`` (BT.601, studio range), with MATLAB's type rules.

    Args:
        image: ``(H, W, 3)`` RGB, ``uint8`` (0..255) or float (0..1).

    Returns:
        ``(H, W)`` luma: ``uint8`` in [16, 235] for ``uint8`` input (rounded half
        away from zero, as MATLAB), ``float64`` in [16/255, 235/255] for float input.
    """
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'rgb2ycbcr_y expects an (H, W, 3) RGB image, got shape {image.shape}')
    if image.dtype == np.uint8:
        luma = 16.0 + image.astype(np.float64) @ _Y_COEFFS / 255.0
        return np.floor(luma + 0.5).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        return (16.0 + image.astype(np.float64) @ _Y_COEFFS) / 255.0
    raise ValueError(f'rgb2ycbcr_y expects uint8 or float images, got {image.dtype}')


def _prepare(image: np.ndarray, crop_border: int, y_channel: bool, round_to_uint8: bool) -> np.ndarray:
    """Bring one image to the scored ``(H, W, C)`` float64 array on the 0..255 scale."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'expected an (H, W, 3) RGB image, got shape {image.shape}; '
                         'convert grayscale/RGBA images to RGB first')
    if np.issubdtype(image.dtype, np.floating):
        if round_to_uint8:
            image = from_float01(image, np.uint8)
    elif image.dtype != np.uint8:
        raise ValueError(f'expected uint8 or float in [0, 1] images, got {image.dtype}; '
                         'use derain_toolkit.utils.image_io.to_float01 for 16-bit images')
    if y_channel:
        scored = rgb2ycbcr_y(image).astype(np.float64)
        if image.dtype != np.uint8:
            scored = scored * _PEAK
        scored = scored[:, :, None]
    else:
        scored = image.astype(np.float64) * (1.0 if image.dtype == np.uint8 else _PEAK)
    if crop_border > 0:
        scored = scored[crop_border:-crop_border, crop_border:-crop_border]
    return scored


def _check_pair(img: np.ndarray, ref: np.ndarray) -> None:
    if np.shape(img) != np.shape(ref):
        raise ValueError(f'image and reference differ in shape: {np.shape(img)} vs {np.shape(ref)}')


def psnr(img: np.ndarray, ref: np.ndarray, crop_border: int = 0, y_channel: bool = True,
         round_to_uint8: bool = True) -> float:
    """Peak signal-to-noise ratio in dB with peak 255 (see the module docstring).

    Args:
        img: Restored ``(H, W, 3)`` RGB image, ``uint8`` or float in [0, 1].
        ref: Ground truth, same shape and convention.
        crop_border: Pixels removed on each side before scoring.
        y_channel: Score MATLAB's Y channel (default) or the RGB channels.
        round_to_uint8: Round float inputs to ``uint8`` first (Restormer protocol).

    Returns:
        PSNR in dB; ``inf`` for identical images.
    """
    _check_pair(img, ref)
    diff = _prepare(img, crop_border, y_channel, round_to_uint8) - _prepare(ref, crop_border, y_channel,
                                                                            round_to_uint8)
    mse = float(np.mean(diff ** 2))
    if mse == 0.0:
        return math.inf
    return 10.0 * math.log10(_PEAK ** 2 / mse)


def _gaussian_window() -> np.ndarray:
    """MATLAB ``fspecial('gaussian', 11, 1.5)``: normalised 11 x 11 Gaussian."""
    kernel = cv2.getGaussianKernel(_SSIM_WINDOW_SIZE, _SSIM_SIGMA, cv2.CV_64F)
    return kernel @ kernel.T


def _ssim_valid(x: np.ndarray, y: np.ndarray) -> float:
    """Mean SSIM map of two 2-D float64 arrays with 'valid' Gaussian filtering."""
    window = _gaussian_window()
    pad = _SSIM_WINDOW_SIZE // 2

    def filter_valid(a: np.ndarray) -> np.ndarray:
        # Same-size correlation, then drop the border that needed padding: 'valid'.
        return cv2.filter2D(a, cv2.CV_64F, window, borderType=cv2.BORDER_REFLECT)[pad:-pad, pad:-pad]

    c1 = (_SSIM_K1 * _PEAK) ** 2
    c2 = (_SSIM_K2 * _PEAK) ** 2
    mu_x, mu_y = filter_valid(x), filter_valid(y)
    var_x = filter_valid(x * x) - mu_x ** 2
    var_y = filter_valid(y * y) - mu_y ** 2
    cov_xy = filter_valid(x * y) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov_xy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (var_x + var_y + c2))
    return float(ssim_map.mean())


def ssim(img: np.ndarray, ref: np.ndarray, crop_border: int = 0, y_channel: bool = True,
         round_to_uint8: bool = True) -> float:
    """Structural similarity of Wang et al. (2004) as ``ssim_index.m`` (see the module docstring).

    Args:
        img: Restored ``(H, W, 3)`` RGB image, ``uint8`` or float in [0, 1].
        ref: Ground truth, same shape and convention.
        crop_border: Pixels removed on each side before scoring.
        y_channel: Score MATLAB's Y channel (default) or average SSIM over R, G, B.
        round_to_uint8: Round float inputs to ``uint8`` first (Restormer protocol).

    Returns:
        Mean SSIM over the 'valid' region (and over channels in RGB mode).
    """
    _check_pair(img, ref)
    x = _prepare(img, crop_border, y_channel, round_to_uint8)
    y = _prepare(ref, crop_border, y_channel, round_to_uint8)
    if min(x.shape[:2]) < _SSIM_WINDOW_SIZE:
        raise ValueError(f'SSIM needs images of at least {_SSIM_WINDOW_SIZE}x{_SSIM_WINDOW_SIZE} after '
                         f'cropping {crop_border} border pixels, got {x.shape[0]}x{x.shape[1]}')
    return float(np.mean([_ssim_valid(x[:, :, c], y[:, :, c]) for c in range(x.shape[2])]))
