"""NIQE, the no-reference quality score of DDSA Table 2 (lower is better).

Mittal, Soundararajan and Bovik, "Making a 'completely blind' image quality analyzer",
IEEE SPL 2013 (DDSA reference [32]), as its MATLAB release (``computequality.m``,
``computefeature.m``, ``estimateaggdparam.m``) computes it with the default 96x96
blocks and no overlap. What MATLAB does that the numbers depend on is kept: gray is
``rgb2gray`` of the 8-bit image, rounded (MATLAB's ``uint8`` result); local statistics
use a normalised 7x7 Gaussian window (sigma 7/6) with replicated edges; the second scale
is ``imresize(.., 0.5)`` (bicubic, antialiased, symmetric edges); the generalised
Gaussian shapes are searched on the grid 0.2:0.001:10.

The gray image is cropped to whole blocks; at two scales (the image, then
``imresize(.., 0.5)`` with 48x48 blocks) the MSCN coefficients of each block give 18
features (an asymmetric generalised Gaussian fit of the coefficients: shape and mean
scale; of the four neighbour products: shape, mean, left and right scales); the 36-d
features of all blocks are fitted by a Gaussian (``nanmean`` per feature, ``nancov``
over the blocks without NaN) and the score is the distance to the pristine model::

    sqrt((mu_p - mu)^T pinv((cov_p + cov) / 2) (mu_p - mu))

The pristine model (``mu_prisparam``, ``cov_prisparam`` of the release's
``modelparameters.mat``) is read from the ``iqa-torch`` package, which ships it as
``iqa/niqe/niqe_pris_params.npz`` (nothing is downloaded). Checked against that
package's own NIQE, a port of BasicSR's (which matches MATLAB R2021a to 4 decimals):
``tests/evaluation/test_no_reference_metrics.py``.
"""
import importlib.util
import math
import os
from functools import lru_cache

import numpy as np
from scipy import ndimage
from scipy.special import gamma

from derain_toolkit.evaluation._no_reference_metric import NoReferenceMetric
from derain_toolkit.registry import METRICS

BLOCK = 96
#: MATLAB ``rgb2gray`` weights (those of ``rgb2ntsc``'s Y row, as MATLAB rounds them).
GRAY_WEIGHTS = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
#: The shape grid of the MATLAB fits.
SHAPES = np.arange(0.2, 10 + 0.0005, 0.001)
#: The four neighbour shifts of the paired products: horizontal, vertical, two diagonals.
SHIFTS = ((0, 1), (1, 0), (1, 1), (-1, 1))


def to_gray(image: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` RGB (``uint8``, or float in [0, 1]) or ``(H, W)`` gray -> float64 gray in [0, 255],
    as MATLAB's ``double(rgb2gray(uint8 image))``."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = np.clip(np.round(np.asarray(image, dtype=np.float64) * 255.0), 0, 255)
    image = image.astype(np.float64)
    if image.ndim == 3:
        if image.shape[2] != 3:
            raise ValueError(f'expected an (H, W, 3) RGB or (H, W) gray image, got shape {image.shape}')
        image = np.round(image @ GRAY_WEIGHTS)
    elif image.ndim != 2:
        raise ValueError(f'expected an (H, W, 3) RGB or (H, W) gray image, got shape {image.shape}')
    return image


def gaussian_window(size: int = 7, sigma: float = 7 / 6) -> np.ndarray:
    """MATLAB ``fspecial('gaussian', size, sigma)``, normalised to sum 1."""
    offsets = np.arange(size) - (size - 1) / 2
    window = np.exp(-(offsets[:, None] ** 2 + offsets[None, :] ** 2) / (2 * sigma ** 2))
    return window / window.sum()


def mscn(image: np.ndarray) -> np.ndarray:
    """Mean-subtracted contrast-normalised coefficients ``(I - mu) / (sigma + 1)`` of a gray
    float64 image in [0, 255], local statistics by ``imfilter(.., window, 'replicate')``."""
    window = gaussian_window()
    mu = ndimage.correlate(image, window, mode='nearest')
    sigma = np.sqrt(np.abs(ndimage.correlate(image * image, window, mode='nearest') - mu * mu))
    return (image - mu) / (sigma + 1)


def fit_aggd(values: np.ndarray) -> tuple[float, float, float]:
    """``estimateaggdparam``: shape and left/right standard deviations of an asymmetric
    generalised Gaussian (the deviations of the negative and positive values)."""
    ratios = gamma(2 / SHAPES) ** 2 / (gamma(1 / SHAPES) * gamma(3 / SHAPES))
    left = math.sqrt(np.mean(values[values < 0] ** 2))
    right = math.sqrt(np.mean(values[values > 0] ** 2))
    skew = left / right
    rhat = np.mean(np.abs(values)) ** 2 / np.mean(values ** 2)
    rhat_norm = rhat * (skew ** 3 + 1) * (skew + 1) / (skew ** 2 + 1) ** 2
    return float(SHAPES[np.argmin((ratios - rhat_norm) ** 2)]), left, right


def paired_products(coefficients: np.ndarray) -> list[np.ndarray]:
    """``coefficients`` times its circularly shifted copy, for each of :data:`SHIFTS` (MATLAB ``circshift``)."""
    return [(coefficients * np.roll(coefficients, shift, axis=(0, 1))).ravel() for shift in SHIFTS]


def _cubic(x: np.ndarray) -> np.ndarray:
    """MATLAB's bicubic kernel (a = -0.5)."""
    ax = np.abs(x)
    return ((1.5 * ax ** 3 - 2.5 * ax ** 2 + 1) * (ax <= 1)
            + (-0.5 * ax ** 3 + 2.5 * ax ** 2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2)))


def _half_matrix(length: int) -> np.ndarray:
    """The ``(ceil(length / 2), length)`` matrix of ``imresize(.., 0.5)`` along one axis."""
    scale, width = 0.5, 4 / 0.5  # antialiasing: the kernel is stretched by 1 / scale
    out = np.arange(1, math.ceil(length * scale) + 1)
    centre = out / scale + 0.5 * (1 - 1 / scale)  # 1-based input coordinate of each output pixel
    left = np.floor(centre - width / 2)
    taps = int(math.ceil(width)) + 2
    indices = left[:, None] + np.arange(taps)[None, :]  # 1-based
    weights = scale * _cubic(scale * (centre[:, None] - indices))
    weights /= weights.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(length), np.arange(length)[::-1]])  # symmetric edges
    columns = mirror[np.mod(indices.astype(int) - 1, 2 * length)]
    matrix = np.zeros((len(out), length))
    np.add.at(matrix, (np.repeat(np.arange(len(out)), taps), columns.ravel()), weights.ravel())
    return matrix


def imresize_half(image: np.ndarray) -> np.ndarray:
    """MATLAB ``imresize(image, 0.5)`` of a double image (bicubic, antialiased, not clipped)."""
    return _half_matrix(image.shape[0]) @ image @ _half_matrix(image.shape[1]).T


@lru_cache(maxsize=1)
def pristine_model() -> tuple[np.ndarray, np.ndarray]:
    """``(mu, cov)`` of the pristine images (36 and 36x36) from the ``iqa-torch`` package."""
    spec = importlib.util.find_spec('iqa')
    path = os.path.join(list(spec.submodule_search_locations)[0], 'niqe', 'niqe_pris_params.npz') if spec else ''
    if not os.path.isfile(path):
        raise FileNotFoundError('NIQE needs the pristine model of the MATLAB release, shipped by the iqa-torch '
                                f'package (iqa/niqe/niqe_pris_params.npz), not found (looked for {path!r}); '
                                'install it: pip install iqa-torch==1.2.1')
    params = np.load(path)
    return params['mu_pris_param'].ravel(), params['cov_pris_param']


def _block_features(block: np.ndarray) -> list[float]:
    """``computefeature.m``: 18 features of one block of MSCN coefficients."""
    def aggd(values: np.ndarray) -> tuple[float, float, float]:
        shape, left, right = fit_aggd(values)
        scale = math.sqrt(gamma(1 / shape) / gamma(3 / shape))  # std -> generalised Gaussian scale
        return shape, left * scale, right * scale

    shape, left, right = aggd(block.ravel())
    features = [shape, (left + right) / 2]
    for product in paired_products(block):
        shape, left, right = aggd(product)
        features += [shape, (right - left) * gamma(2 / shape) / gamma(1 / shape), left, right]
    return features


def niqe(image: np.ndarray) -> float:
    """NIQE of an ``(H, W, 3)`` RGB or ``(H, W)`` gray image (``uint8``, or float in [0, 1]).

    Raises:
        ValueError: The image is smaller than one 96x96 block.
    """
    gray = to_gray(image)
    rows, cols = gray.shape[0] // BLOCK, gray.shape[1] // BLOCK
    if rows == 0 or cols == 0:
        raise ValueError(f'NIQE needs an image of at least {BLOCK}x{BLOCK} pixels, got {gray.shape[:2]}')
    gray = gray[:rows * BLOCK, :cols * BLOCK]
    scales = []
    for size in (BLOCK, BLOCK // 2):
        coefficients = mscn(gray)
        scales.append([_block_features(coefficients[i * size:(i + 1) * size, j * size:(j + 1) * size])
                       for i in range(rows) for j in range(cols)])
        gray = imresize_half(gray)
    features = np.hstack([np.asarray(s) for s in scales])  # (blocks, 36)
    mu_pristine, cov_pristine = pristine_model()
    diff = mu_pristine - np.nanmean(features, axis=0)  # MATLAB nanmean: per feature
    cov = np.cov(features[~np.isnan(features).any(axis=1)], rowvar=False)  # nancov: rows without NaN
    return float(np.sqrt(diff @ np.linalg.pinv((cov_pristine + cov) / 2) @ diff))


@METRICS.register_module()
class NIQEMetric(NoReferenceMetric):
    """Mean NIQE of ``pred`` (lower is better); reported as ``'NIQE'``.

    See :class:`NoReferenceMetric` for the arguments and :func:`niqe` for the score.
    """

    metric_name = 'NIQE'
    score_fn = staticmethod(niqe)
