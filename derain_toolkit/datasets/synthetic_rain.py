"""Synthetic rain rendered on clean images that ship inside installed packages.

No deraining dataset can be downloaded here, so the toolkit's embedded default
renders rain the way Rain100L/H were made (Yang et al., JORDER: streak layers
composited on clean photos): straight motion-blurred streaks of controlled
density, length, width, angle, brightness and blur, an optional haze veil
(rain accumulation, as in heavy rain) and optional lens raindrops. Each render
is labelled with its pattern (``'light'``, ``'moderate'``, ``'heavy'``: the three
classes CLIP-RPN's router tells apart, Sec. 3.2 and Table 5, prompt set 2) and
its angle.

Determinism: all randomness comes from the ``numpy.random.Generator`` passed in
(``default_rng([seed, index])`` in the dataset, PCG64, the same on every
machine); streaks are rasterised and blurred on ``uint8`` canvases with OpenCV's
integer code paths and composited with element-wise float64 NumPy, so a
(seed, index) gives the same pair everywhere.

Clean images: the colour photographs of ``skimage.data`` that are in the
scikit-image wheel (no pooch download) and scikit-learn's two sample images.
"""
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Callable, Dict, Tuple

import cv2
import numpy as np

RAIN_PATTERNS = ('light', 'moderate', 'heavy')
PATTERN_INDEX = {name: i for i, name in enumerate(RAIN_PATTERNS)}

# Ranges sampled uniformly per image. Measured mean |rain - clean| (60 renders, seed 0,
# 128 px, haze on): light 0.018, moderate 0.087, heavy 0.255 (of the [0, 1] range).
_PATTERN_RANGES: Dict[str, Dict[str, Tuple[float, float]]] = {
    'light': dict(density=(0.0015, 0.003), length=(6.0, 14.0), width=(1, 1), brightness=(0.45, 0.7),
                  blur=(0.4, 0.7), haze=(0.0, 0.03), drops=(1, 3)),
    'moderate': dict(density=(0.003, 0.005), length=(12.0, 24.0), width=(1, 2), brightness=(0.6, 0.8),
                     blur=(0.5, 0.9), haze=(0.04, 0.12), drops=(3, 6)),
    'heavy': dict(density=(0.004, 0.007), length=(20.0, 40.0), width=(2, 3), brightness=(0.7, 0.9),
                  blur=(0.7, 1.2), haze=(0.15, 0.3), drops=(6, 10)),
}
_HAZE_LIGHT = 0.85  # atmospheric light of the haze veil (grey-white)


@dataclass(frozen=True)
class RainParams:
    """Parameters of one rain render.

    Attributes:
        pattern: Label of the rain pattern (one of :data:`RAIN_PATTERNS`).
        density: Streaks per pixel (number of streaks = density x H x W).
        length: Mean streak length in pixels (each streak varies by +-30 %).
        width: Streak thickness in pixels (integer, 1-3).
        angle: Streak direction in degrees from vertical, positive leaning right
            at the bottom (wind from the left).
        brightness: Peak opacity of a streak in [0, 1] (screen-blended).
        blur: Gaussian sigma (pixels) of the streak layer: soft, out-of-focus rain.
        haze: Strength in [0, 1] of a uniform veil of atmospheric light.
        drops: Number of raindrops on the lens (0 = none).
    """

    pattern: str = 'moderate'
    density: float = 0.004
    length: float = 18.0
    width: int = 1
    angle: float = 0.0
    brightness: float = 0.7
    blur: float = 0.7
    haze: float = 0.0
    drops: int = 0

    def to_dict(self) -> dict:
        """The parameters as a plain dict (for labels files and metadata)."""
        return asdict(self)


def sample_rain_params(pattern: str, rng: np.random.Generator, max_angle: float = 30.0,
                       with_haze: bool = True, with_drops: bool = False) -> RainParams:
    """Draw the parameters of one render of ``pattern``.

    Args:
        pattern: One of :data:`RAIN_PATTERNS`.
        rng: Source of randomness.
        max_angle: Angles are uniform in ``[-max_angle, max_angle]`` degrees.
        with_haze: Add the pattern's haze veil (stronger for heavier rain).
        with_drops: Add lens raindrops (more for heavier rain).

    Returns:
        The sampled :class:`RainParams`.
    """
    if pattern not in _PATTERN_RANGES:
        raise ValueError(f'unknown rain pattern {pattern!r}; expected one of {RAIN_PATTERNS}')
    ranges = _PATTERN_RANGES[pattern]

    def uniform(name: str) -> float:
        low, high = ranges[name]
        return float(rng.uniform(low, high))

    width = int(rng.integers(ranges['width'][0], ranges['width'][1] + 1))
    drops = int(rng.integers(ranges['drops'][0], ranges['drops'][1] + 1))
    return RainParams(pattern=pattern, density=uniform('density'), length=uniform('length'), width=width,
                      angle=float(rng.uniform(-max_angle, max_angle)), brightness=uniform('brightness'),
                      blur=uniform('blur'), haze=uniform('haze') if with_haze else 0.0,
                      drops=drops if with_drops else 0)


def _blur_uint8(canvas: np.ndarray, sigma: float) -> np.ndarray:
    """Bit-exact Gaussian blur of a uint8 canvas (OpenCV's fixed-point 8U path)."""
    if sigma <= 0:
        return canvas
    size = 2 * int(np.ceil(3 * sigma)) + 1
    return cv2.GaussianBlur(canvas, (size, size), sigma)


def render_streaks(shape: Tuple[int, int], params: RainParams, rng: np.random.Generator) -> np.ndarray:
    """Rain streak layer: ``(H, W)`` float64 opacity in [0, 1].

    Streak centres are uniform over an enlarged canvas (so streaks enter from
    the borders); each streak is an anti-aliased line of its own length
    (+-30 %), opacity (60-100 % of ``brightness``) and direction (+-3 degrees of
    ``angle``), then the layer is blurred by ``blur``.
    """
    height, width = shape
    margin = int(np.ceil(params.length * 1.3)) + params.width
    canvas = np.zeros((height + 2 * margin, width + 2 * margin), np.uint8)
    count = int(round(params.density * canvas.size))
    centres = rng.uniform(0, 1, (count, 2)) * np.array(canvas.shape[::-1])
    lengths = params.length * rng.uniform(0.7, 1.3, count)
    angles = np.deg2rad(params.angle + rng.uniform(-3.0, 3.0, count))
    values = np.round(255 * params.brightness * rng.uniform(0.6, 1.0, count)).astype(int)
    half = np.stack([np.sin(angles), np.cos(angles)], axis=1) * lengths[:, None] / 2  # (count, 2) as (dx, dy)
    shift = 4  # sub-pixel precision of cv2.line: coordinates in 1/16 pixel
    starts = np.round((centres - half) * (1 << shift)).astype(int)
    ends = np.round((centres + half) * (1 << shift)).astype(int)
    for start, end, value in zip(starts, ends, values):
        cv2.line(canvas, tuple(map(int, start)), tuple(map(int, end)), int(value), params.width, cv2.LINE_AA, shift)
    canvas = _blur_uint8(canvas, params.blur)
    return canvas[margin:margin + height, margin:margin + width].astype(np.float64) / 255.0


def _render_drops(image: np.ndarray, params: RainParams, rng: np.random.Generator) -> np.ndarray:
    """Lens raindrops: soft disks showing a blurred, brightened view of the scene behind."""
    height, width = image.shape[:2]
    mask = np.zeros((height, width), np.uint8)
    short_side = min(height, width)
    for _ in range(params.drops):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        radius = int(rng.integers(max(2, short_side // 40), max(3, short_side // 12) + 1))
        cv2.circle(mask, centre, radius, 255, -1, cv2.LINE_AA)
    alpha = _blur_uint8(mask, 1.0).astype(np.float64)[:, :, None] / 255.0
    image_u8 = np.round(image * 255).astype(np.uint8)
    behind = _blur_uint8(image_u8, max(1.5, short_side / 64)).astype(np.float64) / 255.0
    return image * (1 - alpha) + (0.75 * behind + 0.25 * params.brightness) * alpha


def render_rain(clean: np.ndarray, params: RainParams, rng: np.random.Generator) -> np.ndarray:
    """Render rain on a clean image.

    Order: haze veil, then streaks (screen blend ``1 - (1 - I)(1 - S)``), then
    lens drops on top.

    Args:
        clean: ``(H, W, 3)`` uint8 RGB.
        params: The rain to render.
        rng: Source of randomness (streak and drop positions).

    Returns:
        ``(H, W, 3)`` uint8 RGB rainy image.
    """
    if clean.dtype != np.uint8 or clean.ndim != 3 or clean.shape[2] != 3:
        raise ValueError(f'render_rain expects an (H, W, 3) uint8 image, got {clean.shape} {clean.dtype}')
    image = clean.astype(np.float64) / 255.0
    image = image * (1 - params.haze) + _HAZE_LIGHT * params.haze
    streaks = render_streaks(clean.shape[:2], params, rng)[:, :, None]
    image = 1 - (1 - image) * (1 - streaks)
    if params.drops:
        image = _render_drops(image, params, rng)
    return np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)


def _skimage_image(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from skimage import data
        image = getattr(data, name)()
        return image[0] if isinstance(image, tuple) else image
    return load


def _sklearn_image(index: int) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_images
        return load_sample_images().images[index]
    return load


# Colour photographs that are inside the wheels (checked offline; skimage's 'skin',
# 'lily', 'eagle', ... need a download and are excluded; 'colorwheel', 'hubble',
# 'retina' are not natural scenes).
CLEAN_SOURCES: Dict[str, Callable[[], np.ndarray]] = {
    'astronaut': _skimage_image('astronaut'),
    'chelsea': _skimage_image('chelsea'),
    'coffee': _skimage_image('coffee'),
    'rocket': _skimage_image('rocket'),
    'immunohistochemistry': _skimage_image('immunohistochemistry'),
    'motorcycle': _skimage_image('stereo_motorcycle'),
    'china': _sklearn_image(0),
    'flower': _sklearn_image(1),
}


@lru_cache(maxsize=None)
def load_clean_image(name: str) -> np.ndarray:
    """A clean ``(H, W, 3)`` uint8 RGB source image by name (cached, read-only)."""
    if name not in CLEAN_SOURCES:
        raise ValueError(f'unknown clean source {name!r}; expected one of {sorted(CLEAN_SOURCES)}')
    image = np.ascontiguousarray(CLEAN_SOURCES[name]()[:, :, :3], dtype=np.uint8)
    image.setflags(write=False)
    return image


def random_clean_crop(image: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A random square crop of side in ``[size, min(2 size, short side)]`` resized to ``size``, maybe flipped."""
    height, width = image.shape[:2]
    short_side = min(height, width)
    if short_side < size:
        raise ValueError(f'clean image of {height}x{width} is smaller than the requested {size}x{size}')
    side = int(rng.integers(size, min(2 * size, short_side) + 1))
    top = int(rng.integers(0, height - side + 1))
    left = int(rng.integers(0, width - side + 1))
    crop = image[top:top + side, left:left + side]
    if side != size:
        crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_LINEAR_EXACT)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop)
