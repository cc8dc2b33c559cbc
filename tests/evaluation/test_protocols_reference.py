"""The three scoring protocols of FADformer / NeRD-Rain Table 1 against hand ports of their scripts.

Each port below is a line-by-line transcription written for this test, not the toolkit's code:

* ``evaluate_PSNR_SSIM.m`` (NeRD-Rain / DRSformer; Rain200L/H, SPA-Data): ``rgb2ycbcr`` on uint8,
  ``compute_psnr``, ``SSIM_index`` with ``fspecial('gaussian', 11, 1.5)`` and ``filter2(..., 'valid')``
  written as an explicit loop over the output pixels;
* ``statistic.m`` + ``psnr.m`` + ``ssim.m`` (DID-Data, DDN-Data): ``im2double``, ``rgb2ycbcr`` in
  double, ``psnr.m``'s peak rule, ``ssim.m``'s ``f = max(1, round(min(M, N) / 256))`` with MATLAB's
  rounding, ``imfilter(img, lpf, 'symmetric', 'same')`` (MATLAB's kernel centre and padding written
  out), ``img(1:f:end, 1:f:end)``;
* FADformer's ``calculate_psnr_torch`` (utils/utils.py) with ``pytorch_msssim.ssim`` (separable
  Gaussian from ``_fspecial_gauss_1d``, ``ssim_map = l * cs``), in numpy float64; and, where the
  package is installed, against ``pytorch_msssim`` itself.
"""
import math

import numpy as np
import pytest
import torch

from derain_toolkit.evaluation.functional import psnr, ssim, ssim_downsample_factor
from derain_toolkit.registry import METRICS


def matlab_round(x):
    """MATLAB ``round``: halves away from zero."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def fspecial_gaussian(size=11, sigma=1.5):
    half = (size - 1) / 2
    y, x = np.mgrid[-half:half + 1, -half:half + 1]
    h = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
    h[h < np.finfo(float).eps * h.max()] = 0
    return h / h.sum()


def filter2_valid(window, img):
    """``filter2(window, img, 'valid')``: correlation, one output per full window position."""
    wh, ww = window.shape
    out = np.zeros((img.shape[0] - wh + 1, img.shape[1] - ww + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(window * img[i:i + wh, j:j + ww])
    return out


def filter2_valid_fast(window, img):
    """The same sum over each window, vectorised (for the 384+ pixel images of ssim.m)."""
    patches = np.lib.stride_tricks.sliding_window_view(img, window.shape)
    return np.einsum('ijkl,kl->ij', patches, window)


def ssim_index_map_mean(img1, img2, filt=filter2_valid):
    """``SSIM_index`` / ``ssim.m`` after their argument checks (K = [0.01 0.03], L = 255)."""
    window = fspecial_gaussian()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    window = window / window.sum()
    img1, img2 = img1.astype(np.float64), img2.astype(np.float64)
    mu1, mu2 = filt(window, img1), filt(window, img2)
    mu1_sq, mu2_sq, mu1_mu2 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    sigma1_sq = filt(window, img1 * img1) - mu1_sq
    sigma2_sq = filt(window, img2 * img2) - mu2_sq
    sigma12 = filt(window, img1 * img2) - mu1_mu2
    ssim_map = ((2 * mu1_mu2 + c1) * (2 * sigma12 + c2)) / ((mu1_sq + mu2_sq + c1) * (sigma1_sq + sigma2_sq + c2))
    return ssim_map.mean()


# --- evaluate_PSNR_SSIM.m ------------------------------------------------------------------------
def rgb2ycbcr_y_uint8(rgb):
    """MATLAB ``rgb2ycbcr`` of a uint8 image, channel 1, per pixel: uint8 (rounded, saturated)."""
    out = np.zeros(rgb.shape[:2], np.uint8)
    for i in range(rgb.shape[0]):
        for j in range(rgb.shape[1]):
            r, g, b = (float(v) for v in rgb[i, j])
            y = 65.481 / 255 * r + 128.553 / 255 * g + 24.966 / 255 * b + 16
            out[i, j] = min(255, max(0, matlab_round(y)))
    return out


def evaluate_psnr_ssim_m(result, gt):
    """``compute_psnr`` and ``compute_ssim`` of NeRD-Rain's evaluate_PSNR_SSIM.m on two uint8 images."""
    img1, img2 = rgb2ycbcr_y_uint8(result), rgb2ycbcr_y_uint8(gt)
    imdff = img1.astype(np.float64) - img2.astype(np.float64)
    rmse = math.sqrt(np.mean(imdff.ravel() ** 2))
    return 20 * math.log10(255 / rmse), ssim_index_map_mean(img1, img2)


# --- statistic.m, psnr.m, ssim.m -----------------------------------------------------------------
def rgb2ycbcr_y_double(rgb):
    """MATLAB ``rgb2ycbcr`` of a double image in [0, 1], channel 1 (T = origT / 255, offset 16 / 255)."""
    return 65.481 / 255 * rgb[..., 0] + 128.553 / 255 * rgb[..., 1] + 24.966 / 255 * rgb[..., 2] + 16 / 255


def psnr_m(f1, f2):
    k = 8 if f1.max() > 2 else 1
    fmax = 2.0 ** k - 1
    e = f1.astype(np.float64) - f2.astype(np.float64)
    m, n = e.shape
    return 10 * math.log10(fmax ** 2 / (np.sum(e ** 2) / (m * n)))


def imfilter_symmetric_same(img, h):
    """``imfilter(img, h, 'symmetric', 'same')``: correlation about MATLAB's kernel centre
    ``floor((size(h) + 1) / 2)``, padded by mirroring with the edge pixel repeated."""
    kh, kw = h.shape
    ch, cw = (kh + 1) // 2, (kw + 1) // 2  # 1-based centre
    padded = np.pad(img, ((ch - 1, kh - ch), (cw - 1, kw - cw)), mode='symmetric')
    out = np.zeros_like(img)
    for u in range(kh):
        for v in range(kw):
            out += h[u, v] * padded[u:u + img.shape[0], v:v + img.shape[1]]
    return out


def ssim_m(img1, img2):
    m, n = img1.shape
    f = max(1, int(matlab_round(min(m, n) / 256)))
    if f > 1:
        lpf = np.ones((f, f))
        lpf = lpf / lpf.sum()
        img1 = imfilter_symmetric_same(img1, lpf)[0::f, 0::f]
        img2 = imfilter_symmetric_same(img2, lpf)[0::f, 0::f]
    return ssim_index_map_mean(img1, img2, filter2_valid_fast)


def statistic_m(dr, gt):
    """One image of statistic.m: ``psnr(x, x_true)`` and ``ssim(x * 255, x_true * 255)``."""
    x_true = rgb2ycbcr_y_double(gt.astype(np.float64) / 255)  # im2double
    x = rgb2ycbcr_y_double(dr.astype(np.float64) / 255)
    return psnr_m(x, x_true), ssim_m(x * 255, x_true * 255)


# --- FADformer calculate_psnr_torch + pytorch_msssim.ssim ----------------------------------------
def fadformer_scores(img1, img2):
    """``calculate_psnr_torch(img1, img2)`` for one (H, W, 3) float image pair, in numpy."""
    v = np.array([[65.481 / 255], [128.553 / 255], [24.966 / 255]])
    y1 = (img1.reshape(-1, 3) @ v + 16. / 255).reshape(img1.shape[:2])
    y2 = (img2.reshape(-1, 3) @ v + 16. / 255).reshape(img2.shape[:2])
    psnr_full = 10 * math.log10(1 / np.mean((y1 - y2) ** 2))
    coords = np.arange(11, dtype=np.float64) - 11 // 2
    g = np.exp(-(coords ** 2) / (2 * 1.5 ** 2))
    g /= g.sum()

    def gaussian_filter(a):  # conv over H with the (11, 1) kernel, then over W with (1, 11), no padding
        rows = np.stack([np.sum(g * a[i:i + 11, :].T, axis=1) for i in range(a.shape[0] - 10)])
        return np.stack([np.sum(g * rows[:, j:j + 11], axis=1) for j in range(a.shape[1] - 10)], axis=1)

    c1, c2 = 0.01 ** 2, 0.03 ** 2
    mu1, mu2 = gaussian_filter(y1), gaussian_filter(y2)
    sigma1_sq = gaussian_filter(y1 * y1) - mu1 ** 2
    sigma2_sq = gaussian_filter(y2 * y2) - mu2 ** 2
    sigma12 = gaussian_filter(y1 * y2) - mu1 * mu2
    cs_map = (2 * sigma12 + c2) / (sigma1_sq + sigma2_sq + c2)
    ssim_map = ((2 * mu1 * mu2 + c1) / (mu1 ** 2 + mu2 ** 2 + c1)) * cs_map
    return psnr_full, ssim_map.mean()


def _pair(shape, seed, noise=12.0):
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, 256, shape).astype(np.float64)
    gt = (gt + np.roll(gt, 1, 0) + np.roll(gt, 1, 1)) / 3  # some structure for SSIM
    result = np.clip(gt + rng.normal(0, noise, shape), 0, 255)
    return np.round(result).astype(np.uint8), np.round(gt).astype(np.uint8)


@pytest.mark.parametrize('seed', [0, 1])
def test_matlab_uint8_y_equals_evaluate_psnr_ssim_m(seed):
    result, gt = _pair((26, 31, 3), seed)
    ref_psnr, ref_ssim = evaluate_psnr_ssim_m(result, gt)
    assert psnr(result, gt, protocol='matlab_uint8_y') == pytest.approx(ref_psnr, abs=1e-10)
    assert ssim(result, gt, protocol='matlab_uint8_y') == pytest.approx(ref_ssim, abs=1e-10)
    # Float outputs are saved as 8-bit PNGs first (rounded), then scored the same way.
    assert psnr(result / 255.0, gt / 255.0, protocol='matlab_uint8_y') == pytest.approx(ref_psnr, abs=1e-10)


@pytest.mark.parametrize('shape,factor', [((40, 45, 3), 1), ((384, 401, 3), 2), ((641, 640, 3), 3)])
def test_matlab_double_y_ssim_downsample_equals_statistic_m(shape, factor):
    # 384 / 256 = 1.5 -> 2 (even box: MATLAB's kernel centre), 640 / 256 = 2.5 -> 3 (Python's round: 2).
    result, gt = _pair(shape, 2)
    assert ssim_downsample_factor(*shape[:2]) == factor
    ref_psnr, ref_ssim = statistic_m(result, gt)
    assert psnr(result, gt, protocol='matlab_double_y_ssim_downsample') == pytest.approx(ref_psnr, abs=1e-9)
    assert ssim(result, gt, protocol='matlab_double_y_ssim_downsample') == pytest.approx(ref_ssim, abs=1e-9)
    assert ssim(result / 255.0, gt / 255.0, protocol='matlab_double_y_ssim_downsample') == pytest.approx(
        ref_ssim, abs=1e-9)


def test_the_matlab_pipelines_differ_where_their_scripts_do():
    result, gt = _pair((40, 45, 3), 3)
    uint8_psnr, uint8_ssim = evaluate_psnr_ssim_m(result, gt)
    double_psnr, double_ssim = statistic_m(result, gt)
    assert abs(uint8_psnr - double_psnr) > 1e-2 and abs(uint8_ssim - double_ssim) > 1e-4  # Y rounded or not
    assert ssim(result, gt, protocol='matlab_uint8_y') == pytest.approx(uint8_ssim, abs=1e-10)


@pytest.mark.parametrize('seed', [0, 1])
def test_fadformer_torch_y_equals_calculate_psnr_torch(seed):
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, 256, (27, 33, 3)) / 255.0  # read from 8-bit files
    output = np.clip(gt + rng.normal(0, 0.03, gt.shape), 0, 1)  # the network's float output, clamped
    ref_psnr, ref_ssim = fadformer_scores(gt, output)
    assert psnr(output, gt, protocol='fadformer_torch_y') == pytest.approx(ref_psnr, abs=2e-4)
    assert ssim(output, gt, protocol='fadformer_torch_y') == pytest.approx(ref_ssim, abs=2e-6)
    # Not rounded to 8 bits: the MATLAB pipeline on the same floats scores otherwise.
    assert abs(psnr(output, gt, protocol='matlab_uint8_y') - ref_psnr) > 0.01


def test_fadformer_torch_y_equals_pytorch_msssim():
    pytorch_msssim = pytest.importorskip('pytorch_msssim')
    torch.manual_seed(0)
    gt = torch.randint(0, 256, (1, 3, 30, 36)).float() / 255
    output = (gt + 0.05 * torch.randn_like(gt)).clamp(0, 1)
    v = torch.tensor([[65.481 / 255], [128.553 / 255], [24.966 / 255]])
    y1 = (gt.permute(0, 2, 3, 1).reshape(-1, 3) @ v + 16. / 255).reshape(1, 30, 36, 1).permute(0, 3, 1, 2)
    y2 = (output.permute(0, 2, 3, 1).reshape(-1, 3) @ v + 16. / 255).reshape(1, 30, 36, 1).permute(0, 3, 1, 2)
    expected = pytorch_msssim.ssim(y1, y2, data_range=1, size_average=False).mean().item()
    expected_psnr = (10 * torch.log10(1 / torch.nn.functional.mse_loss(y1, y2))).item()
    hwc = dict(img=output[0].permute(1, 2, 0).numpy(), ref=gt[0].permute(1, 2, 0).numpy())
    assert ssim(**hwc, protocol='fadformer_torch_y') == pytest.approx(expected, abs=1e-6)
    assert psnr(**hwc, protocol='fadformer_torch_y') == pytest.approx(expected_psnr, abs=1e-4)


@pytest.mark.parametrize('protocol', ['matlab_uint8_y', 'matlab_double_y_ssim_downsample', 'fadformer_torch_y'])
def test_metrics_take_the_protocol_option(protocol):
    torch.manual_seed(1)
    gt = torch.randint(0, 256, (3, 20, 24)).float() / 255
    pred = (gt + 0.04 * torch.randn_like(gt)).clamp(0, 1)
    hwc = dict(img=pred.permute(1, 2, 0).double().numpy(), ref=gt.permute(1, 2, 0).double().numpy())
    for metric_type, score in (('PSNRMetric', psnr), ('SSIMMetric', ssim)):
        metric = METRICS.build(dict(type=metric_type, protocol=protocol))
        metric.process(None, [dict(pred=pred, gt=gt, key='a')])
        name = metric_type[:-len('Metric')]
        assert metric.evaluate(1)[name] == pytest.approx(score(**hwc, protocol=protocol), abs=1e-12)
    with pytest.raises(ValueError, match="unknown scoring protocol 'matlab'"):
        METRICS.build(dict(type='PSNRMetric', protocol='matlab'))
    with pytest.raises(ValueError, match='scores the Y channel'):
        psnr(hwc['img'], hwc['ref'], y_channel=False, protocol='matlab_uint8_y')
