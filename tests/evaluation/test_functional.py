"""psnr / ssim / rgb2ycbcr_y against scikit-image and hand-computed MATLAB values."""
import math

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from derain_toolkit.evaluation import psnr, rgb2ycbcr_y, ssim

SK_SSIM = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)


def _pair(seed, shape=(37, 45, 3)):
    rng = np.random.default_rng(seed)
    ref = rng.integers(0, 256, shape, dtype=np.uint8)
    img = np.clip(ref.astype(int) + rng.integers(-40, 41, shape), 0, 255).astype(np.uint8)
    return img, ref


def _matlab_y(image):
    """Independent MATLAB rgb2ycbcr luma for uint8 (round half away from zero, values > 0)."""
    r, g, b = (image[..., c].astype(np.float64) for c in range(3))
    return np.floor(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255 + 0.5)


def test_rgb2ycbcr_y_matlab_values():
    pixels = np.array([[[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    # MATLAB: rgb2ycbcr(uint8([0 0 0; 255 255 255; 255 0 0; 0 255 0; 0 0 255])) -> Y = 16 235 81 145 41
    assert rgb2ycbcr_y(pixels).tolist() == [[16, 235, 81, 145, 41]]
    assert rgb2ycbcr_y(pixels).dtype == np.uint8
    np.testing.assert_allclose(rgb2ycbcr_y(pixels.astype(np.float64) / 255)[0, :2], [16 / 255, 235 / 255])


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_y_channel_matches_skimage(seed):
    img, ref = _pair(seed)
    y_img, y_ref = _matlab_y(img), _matlab_y(ref)
    assert psnr(img, ref) == pytest.approx(peak_signal_noise_ratio(y_ref, y_img, data_range=255), abs=1e-10)
    assert ssim(img, ref) == pytest.approx(structural_similarity(y_img, y_ref, **SK_SSIM), abs=1e-10)


def test_rgb_mode_and_crop_border_match_skimage():
    img, ref = _pair(3)
    assert psnr(img, ref, y_channel=False) == pytest.approx(
        peak_signal_noise_ratio(ref, img, data_range=255), abs=1e-10)
    assert ssim(img, ref, y_channel=False) == pytest.approx(
        structural_similarity(img.astype(float), ref.astype(float), channel_axis=2, **SK_SSIM), abs=1e-10)
    c = 4
    y_img, y_ref = _matlab_y(img)[c:-c, c:-c], _matlab_y(ref)[c:-c, c:-c]
    assert psnr(img, ref, crop_border=c) == pytest.approx(peak_signal_noise_ratio(y_ref, y_img, data_range=255))
    assert ssim(img, ref, crop_border=c) == pytest.approx(structural_similarity(y_img, y_ref, **SK_SSIM), abs=1e-10)


def test_ssim_is_mean_of_valid_map():
    """The 'valid' region of MATLAB's filter2 is the map without a 5-pixel border (independent check)."""
    from scipy.signal import correlate2d
    img, ref = _pair(4, (20, 24, 3))
    x, y = _matlab_y(img), _matlab_y(ref)
    g = np.exp(-(np.arange(11) - 5) ** 2 / (2 * 1.5 ** 2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    f = lambda a: correlate2d(a, w, mode='valid')  # noqa: E731
    mx, my = f(x), f(y)
    vx, vy, cxy = f(x * x) - mx ** 2, f(y * y) - my ** 2, f(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ref_map = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))
    assert ref_map.shape == (10, 14)
    assert ssim(img, ref) == pytest.approx(ref_map.mean(), abs=1e-10)


def test_float_inputs_are_rounded_by_default():
    img, ref = _pair(5)
    img_f = img / 255.0 + 0.4 / 255  # rounds back to img
    assert psnr(img_f, ref / 255.0) == pytest.approx(psnr(img, ref), abs=1e-12)
    assert ssim(img_f, ref / 255.0) == pytest.approx(ssim(img, ref), abs=1e-12)
    unrounded = psnr(img_f, ref / 255.0, round_to_uint8=False)
    assert unrounded != pytest.approx(psnr(img, ref), abs=1e-3)
    y_img = 16 + (img_f * 255) @ np.array([65.481, 128.553, 24.966]) / 255
    y_ref = 16 + ref.astype(float) @ np.array([65.481, 128.553, 24.966]) / 255
    assert unrounded == pytest.approx(peak_signal_noise_ratio(y_ref, y_img, data_range=255))


def test_identical_images_and_errors():
    img, _ = _pair(6)
    assert psnr(img, img) == math.inf and ssim(img, img) == pytest.approx(1.0)
    with pytest.raises(ValueError, match='differ in shape'):
        psnr(img, img[:-1])
    with pytest.raises(ValueError, match='at least 11x11'):
        ssim(img[:12, :12], img[:12, :12], crop_border=1)
    with pytest.raises(ValueError, match='uint8 or float'):
        psnr(img.astype(np.uint16), img.astype(np.uint16))
