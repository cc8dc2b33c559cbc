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

``protocol`` names the whole pipeline of a paper's script instead (it sets the options above):

* ``'matlab_uint8_y'``: the steps above, as NeRD-Rain's / DRSformer's
  ``evaluate_PSNR_SSIM.m`` (Rain200L/H, SPA-Data in FADformer / NeRD-Rain Table 1);
  the same as the defaults.
* ``'matlab_double_y_ssim_downsample'``: NeRD-Rain's ``statistic.m`` (DID-Data, DDN-Data):
  8-bit RGB (saved PNGs) read by ``im2double``, ``rgb2ycbcr`` in double (Y not rounded),
  ``psnr.m`` with peak 1 (= peak 255 on ``Y * 255``), and ``ssim.m`` (Wang et al.'s 2009
  revision) on ``Y * 255``: before the SSIM of step 4 both images are averaged by an
  ``f x f`` box (``imfilter(..., 'symmetric', 'same')``) and subsampled by ``f``,
  ``f = max(1, round(min(M, N) / 256))`` (MATLAB rounds halves away from zero).
* ``'fadformer_torch_y'``: FADformer's ``calculate_psnr_torch`` (utils/utils.py, used by
  predict_with_metrics.py for Rain200L/H and SPA-Data): float32 torch, the float outputs
  not rounded, ``Y = (65.481 R + 128.553 G + 24.966 B) / 255 + 16 / 255``, PSNR
  ``10 log10(1 / MSE)``, SSIM of ``pytorch_msssim.ssim(data_range=1)`` (separable 11-tap
  Gaussian, sigma 1.5, no padding, ``ssim_map = l * cs``).
"""
import math
from typing import Optional

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from derain_toolkit.utils.image_io import from_float01

_SSIM_WINDOW_SIZE = 11
_SSIM_SIGMA = 1.5
_SSIM_K1 = 0.01
_SSIM_K2 = 0.03
_PEAK = 255.0
_Y_COEFFS = np.array([65.481, 128.553, 24.966])
_SSIM_DOWNSAMPLE_SIDE = 256  # ssim.m: f = max(1, round(min(M, N) / 256))
PROTOCOLS = ('matlab_uint8_y', 'matlab_double_y_ssim_downsample', 'fadformer_torch_y')


def check_protocol(protocol: Optional[str]) -> None:
    """Raise a clear error for an unknown scoring ``protocol`` (``None`` is the default pipeline)."""
    if protocol is not None and protocol not in PROTOCOLS:
        raise ValueError(f'unknown scoring protocol {protocol!r}; expected None or one of {PROTOCOLS} '
                         '(see derain_toolkit/evaluation/functional.py)')


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


def _prepare(image: np.ndarray, crop_border: int, y_channel: bool, round_to_uint8: bool,
             round_y: bool = True) -> np.ndarray:
    """Bring one image to the scored ``(H, W, C)`` float64 array on the 0..255 scale
    (``round_y=False``: the luma of ``uint8`` images in double, as ``rgb2ycbcr(im2double(x))``)."""
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
    if y_channel and not round_y and image.dtype == np.uint8:
        image = image.astype(np.float64) / _PEAK  # im2double
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


def _fadformer_y(image: np.ndarray, crop_border: int) -> torch.Tensor:
    """FADformer's float32 luma of an ``(H, W, 3)`` RGB image in [0, 1]: ``(1, 1, H, W)``."""
    if not np.issubdtype(np.asarray(image).dtype, np.floating):
        image = np.asarray(image).astype(np.float32) / _PEAK
    rgb = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
    coeffs = torch.tensor(_Y_COEFFS / _PEAK, dtype=torch.float32)
    luma = rgb @ coeffs + 16.0 / _PEAK  # (H, W)
    if crop_border > 0:
        luma = luma[crop_border:-crop_border, crop_border:-crop_border]
    return luma[None, None]


def _protocol_options(protocol: Optional[str], y_channel: bool, round_to_uint8: bool) -> tuple[bool, bool, bool]:
    """``(y_channel, round_to_uint8, round_y)`` of a MATLAB ``protocol`` (``None``: the arguments)."""
    check_protocol(protocol)
    if protocol is None:
        return y_channel, round_to_uint8, True
    if not y_channel:
        raise ValueError(f'protocol {protocol!r} scores the Y channel; drop y_channel=False')
    return True, True, protocol == 'matlab_uint8_y'


def psnr(img: np.ndarray, ref: np.ndarray, crop_border: int = 0, y_channel: bool = True,
         round_to_uint8: bool = True, protocol: Optional[str] = None) -> float:
    """Peak signal-to-noise ratio in dB with peak 255 (see the module docstring).

    Args:
        img: Restored ``(H, W, 3)`` RGB image, ``uint8`` or float in [0, 1].
        ref: Ground truth, same shape and convention.
        crop_border: Pixels removed on each side before scoring.
        y_channel: Score MATLAB's Y channel (default) or the RGB channels.
        round_to_uint8: Round float inputs to ``uint8`` first (Restormer protocol).
        protocol: One of :data:`PROTOCOLS` (sets ``y_channel`` and the rounding), or ``None``.

    Returns:
        PSNR in dB; ``inf`` for identical images.
    """
    _check_pair(img, ref)
    if protocol == 'fadformer_torch_y':
        check_protocol(protocol)
        mse = float(torch.mean((_fadformer_y(ref, crop_border) - _fadformer_y(img, crop_border)) ** 2))
        return math.inf if mse == 0.0 else float(10.0 * torch.log10(1.0 / torch.tensor(mse, dtype=torch.float32)))
    y_channel, round_to_uint8, round_y = _protocol_options(protocol, y_channel, round_to_uint8)
    diff = (_prepare(img, crop_border, y_channel, round_to_uint8, round_y)
            - _prepare(ref, crop_border, y_channel, round_to_uint8, round_y))
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


def _check_ssim_size(size: tuple, crop_border: int) -> None:
    if min(size) < _SSIM_WINDOW_SIZE:
        raise ValueError(f'SSIM needs images of at least {_SSIM_WINDOW_SIZE}x{_SSIM_WINDOW_SIZE} after '
                         f'cropping {crop_border} border pixels, got {size[0]}x{size[1]}')


def ssim_downsample_factor(height: int, width: int) -> int:
    """``ssim.m``'s ``f = max(1, round(min(M, N) / 256))``, MATLAB rounding (halves away from zero)."""
    return max(1, math.floor(min(height, width) / _SSIM_DOWNSAMPLE_SIDE + 0.5))


def _ssim_downsample(a: np.ndarray, factor: int) -> np.ndarray:
    """``ssim.m``: ``imfilter(a, ones(f) / f^2, 'symmetric', 'same')`` then ``a(1:f:end, 1:f:end)``."""
    box = np.full((factor, factor), 1.0 / factor ** 2)
    anchor = (factor - 1) // 2  # MATLAB's kernel centre floor((f + 1) / 2), 0-based
    smoothed = cv2.filter2D(a, cv2.CV_64F, box, anchor=(anchor, anchor), borderType=cv2.BORDER_REFLECT)
    return smoothed[::factor, ::factor]  # (ceil(M / f), ceil(N / f))


def _fadformer_ssim(x: torch.Tensor, y: torch.Tensor) -> float:
    """``pytorch_msssim.ssim(x, y, data_range=1)`` of two ``(1, 1, H, W)`` float32 lumas."""
    coords = torch.arange(_SSIM_WINDOW_SIZE, dtype=torch.float32) - _SSIM_WINDOW_SIZE // 2
    taps = torch.exp(-(coords ** 2) / (2 * _SSIM_SIGMA ** 2))
    taps = taps / taps.sum()

    def blur(a: torch.Tensor) -> torch.Tensor:  # separable, no padding: (1, 1, H - 10, W - 10)
        return F.conv2d(F.conv2d(a, taps.view(1, 1, -1, 1)), taps.view(1, 1, 1, -1))

    c1, c2 = _SSIM_K1 ** 2, _SSIM_K2 ** 2
    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x ** 2
    var_y = blur(y * y) - mu_y ** 2
    cov_xy = blur(x * y) - mu_x * mu_y
    contrast_structure = (2 * cov_xy + c2) / (var_x + var_y + c2)
    ssim_map = ((2 * mu_x * mu_y + c1) / (mu_x ** 2 + mu_y ** 2 + c1)) * contrast_structure
    return float(ssim_map.mean())


def ssim(img: np.ndarray, ref: np.ndarray, crop_border: int = 0, y_channel: bool = True,
         round_to_uint8: bool = True, protocol: Optional[str] = None) -> float:
    """Structural similarity of Wang et al. (2004) as ``ssim_index.m`` (see the module docstring).

    Args:
        img: Restored ``(H, W, 3)`` RGB image, ``uint8`` or float in [0, 1].
        ref: Ground truth, same shape and convention.
        crop_border: Pixels removed on each side before scoring.
        y_channel: Score MATLAB's Y channel (default) or average SSIM over R, G, B.
        round_to_uint8: Round float inputs to ``uint8`` first (Restormer protocol).
        protocol: One of :data:`PROTOCOLS` (sets ``y_channel``, the rounding, the
            downsampling of ``ssim.m`` or FADformer's torch SSIM), or ``None``.

    Returns:
        Mean SSIM over the 'valid' region (and over channels in RGB mode).
    """
    _check_pair(img, ref)
    if protocol == 'fadformer_torch_y':
        x, y = _fadformer_y(ref, crop_border), _fadformer_y(img, crop_border)  # (1, 1, H, W) each
        _check_ssim_size(x.shape[-2:], crop_border)
        return _fadformer_ssim(x, y)
    y_channel, round_to_uint8, round_y = _protocol_options(protocol, y_channel, round_to_uint8)
    x = _prepare(img, crop_border, y_channel, round_to_uint8, round_y)
    y = _prepare(ref, crop_border, y_channel, round_to_uint8, round_y)
    _check_ssim_size(x.shape[:2], crop_border)
    factor = ssim_downsample_factor(*x.shape[:2]) if protocol == 'matlab_double_y_ssim_downsample' else 1
    if factor > 1:  # (ceil(H / f), ceil(W / f), 1) each
        x, y = _ssim_downsample(x[:, :, 0], factor)[:, :, None], _ssim_downsample(y[:, :, 0], factor)[:, :, None]
    return float(np.mean([_ssim_valid(x[:, :, c], y[:, :, c]) for c in range(x.shape[2])]))
