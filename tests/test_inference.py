"""derain_toolkit.inference: tiling and blending, bit depths and channel layouts, checkpoints, masks."""
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from derain_toolkit import build_model
from derain_toolkit.inference import choose_tile, derain, derain_image, global_context_parts, load_model

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'
TINY_RESTORMER = dict(type='Derainer', backbone=dict(type='RestormerUNet', dim=8, num_blocks=(1, 1, 1),
                                                     num_refinement_blocks=1, heads=(1, 1, 2),
                                                     ffn_expansion_factor=2.0))


class _LocalUNet(nn.Module):
    """A two-level convolutional U-Net with a finite receptive field (about 19 pixels)."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.GELU())
        self.down = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.GELU(),
                                  nn.Conv2d(16, 16, 3, padding=1), nn.GELU())
        self.up = nn.Sequential(nn.Upsample(scale_factor=2, mode='bilinear'), nn.Conv2d(16, 8, 3, padding=1))
        self.out = nn.Conv2d(16, 3, 3, padding=1)

    def forward(self, x):
        feat = self.enc(x)
        return x + self.out(torch.cat([feat, self.up(self.down(feat))], 1))


class _MaskNet(nn.Module):
    """Returns the input and a constant rain mask at half resolution, like CLIP-RPN's finest level."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.value = value

    def forward(self, x):
        mask = torch.full((x.shape[0], 1, (x.shape[2] + 1) // 2, (x.shape[3] + 1) // 2), self.value)
        return dict(pred=x * self.scale, masks=[mask[..., ::2, ::2], mask])


class _OutOfMemoryAbove(nn.Module):
    """A 1x1 convolution that raises CUDA's out-of-memory error for inputs above ``limit`` pixels."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.limit = limit
        self.sizes = []

    def forward(self, x):
        self.sizes.append(tuple(x.shape[-2:]))
        if x.shape[-2] * x.shape[-1] > self.limit:
            raise torch.OutOfMemoryError('CUDA out of memory (simulated)')
        return self.conv(x)


@pytest.fixture(autouse=True, scope='module')
def _one_thread():
    """These networks are tiny: one thread avoids OpenMP oversubscription on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(1.0 / np.mean((a.astype(np.float64) - b.astype(np.float64))**2)))


def _rain_pair(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    clean = np.stack([0.5 + 0.3 * np.sin(6 * xx), 0.4 + 0.3 * yy, 0.3 + 0.2 * np.cos(5 * xx * yy)], axis=2)
    streaks = (rng.random((size, size, 1)) < 0.05) * 0.5
    return np.clip(clean + streaks, 0, 1).astype(np.float32), clean.astype(np.float32)


def test_tiles_are_placed_and_normalised_exactly():
    """A per-pixel network has no context, so any tiling must reproduce it up to float rounding."""
    torch.manual_seed(0)
    model = nn.Conv2d(3, 3, 1).eval()
    image = np.random.default_rng(0).random((61, 50, 3), dtype=np.float32) * 0.5 + 0.25
    whole = derain_image(model, image, tile=0)
    tiled = derain_image(model, image, tile=24, tile_overlap=10)
    np.testing.assert_allclose(tiled, whole, atol=1e-6)


def test_tiled_equals_whole_within_001_db_for_a_local_unet():
    """96x96 in 48-pixel tiles with a 32-pixel overlap (16 tiles): the overlap exceeds the U-Net's
    receptive radius (~10 px) enough for the raised-cosine blend to hide every tile border."""
    torch.manual_seed(0)
    model = _LocalUNet().eval()
    rainy, clean = _rain_pair(96)
    whole = derain_image(model, rainy, tile=0)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # no global-context part: tiling is not worth a warning
        tiled = derain_image(model, rainy, tile=48, tile_overlap=32)
    hard_seams = derain_image(model, rainy, tile=48, tile_overlap=0)
    assert abs(_psnr(tiled, clean) - _psnr(whole, clean)) < 0.01
    assert _psnr(tiled, whole) > 70
    assert _psnr(hard_seams, whole) < _psnr(tiled, whole) - 10  # the blend matters


def test_tiled_restormer_is_close_to_whole():
    """MDTA pools channel statistics over its whole input, so tiles of a Restormer never match the
    whole image exactly; with generous overlap they stay close (about 40 dB on this random network,
    whose residual is far larger than a trained one's)."""
    torch.manual_seed(0)
    model = build_model(TINY_RESTORMER).eval()
    rainy, _ = _rain_pair(64)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # the whole image: nothing to warn about
        whole = derain_image(model, rainy, tile=0)
        assert derain_image(model, rainy, tile=64) is not None  # one tile covers the image: no tiling
    with pytest.warns(UserWarning, match=r'^tiling a 64x64 image into 48-pixel tiles, but parts of this model see the whole input \(MDTA\)'):
        tiled = derain_image(model, rainy, tile=48, tile_overlap=32)
    assert tiled.shape == whole.shape == rainy.shape
    assert _psnr(tiled, whole) > 35


def test_parts_declare_their_global_context():
    """What the tiling warning names: the classes that set ``global_context`` (never a type-name switch)."""
    assert global_context_parts(build_model(TINY_RESTORMER)) == ['MDTA']
    assert global_context_parts(_LocalUNet()) == []
    clip_rpn = build_model(CONFIGS / 'clip_rpn_tiny_synthetic.py')
    assert global_context_parts(clip_rpn) == ['CLIPRouter', 'MDTA', 'MGCA']
    assert global_context_parts(build_model(CONFIGS / 'prenet_tiny_synthetic.py')) == []


def test_uint16_keeps_full_precision():
    torch.manual_seed(0)
    model = build_model(TINY_RESTORMER).eval()
    rainy, _ = _rain_pair(20)
    image16 = np.rint(rainy[:19] * 65535).astype(np.uint16)
    out16 = derain_image(model, image16)
    reference = derain_image(model, image16.astype(np.float32) / 65535)
    assert out16.dtype == np.uint16 and out16.shape == image16.shape
    assert np.abs(out16.astype(np.int64) - np.rint(reference * 65535)).max() <= 1
    assert np.any(out16 % 257 != 0)  # not an 8-bit result scaled up


def test_rgba_keeps_alpha_and_grayscale_keeps_one_channel():
    torch.manual_seed(0)
    model = build_model(TINY_RESTORMER).eval()
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (18, 22, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, (18, 22, 1), dtype=np.uint8)
    out = derain_image(model, np.concatenate([rgb, alpha], axis=2))
    assert out.shape == (18, 22, 4) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[:, :, 3:], alpha)
    np.testing.assert_array_equal(out[:, :, :3], derain_image(model, rgb))

    gray = rgb[:, :, 0]
    rgb_of_gray = derain_image(model, np.repeat(gray[:, :, None], 3, axis=2).astype(np.float32) / 255)
    out_gray = derain_image(model, gray)
    assert out_gray.shape == gray.shape
    np.testing.assert_array_equal(out_gray, np.rint(rgb_of_gray.mean(axis=2) * 255).astype(np.uint8))
    assert derain_image(model, gray[:, :, None]).shape == (18, 22, 1)


def test_mask_is_upsampled_and_blended():
    model = _MaskNet(0.7).eval()
    image = np.random.default_rng(0).random((37, 30, 3), dtype=np.float32)
    for tile in (0, 16):
        result = derain(model, image, tile=tile, tile_overlap=6)
        assert result.mask.shape == (37, 30)
        np.testing.assert_allclose(result.mask, 0.7, atol=1e-6)
        np.testing.assert_allclose(result.image, image, atol=1e-6)
    assert derain(nn.Conv2d(3, 3, 1), image).mask is None


def test_out_of_memory_falls_back_to_tiles():
    torch.manual_seed(0)
    model = _OutOfMemoryAbove(limit=160 * 160).eval()
    image = np.random.default_rng(0).random((300, 300, 3), dtype=np.float32)
    out = derain_image(model, image)
    assert (300, 300) in model.sizes and (150, 150) in model.sizes
    reference = nn.Conv2d(3, 3, 1)
    reference.load_state_dict(model.conv.state_dict())
    with torch.no_grad():
        expected = reference(torch.from_numpy(image).permute(2, 0, 1)[None]).clamp(0, 1)[0].permute(1, 2, 0)
    np.testing.assert_allclose(out, expected.numpy(), atol=1e-5)
    with pytest.raises(torch.OutOfMemoryError):
        derain_image(model, image, tile=0)


def test_choose_tile_tiles_only_when_memory_is_short(monkeypatch):
    torch.manual_seed(0)
    model = build_model(TINY_RESTORMER).eval()
    assert choose_tile(model, 64, 64, torch.device('cpu')) is None
    monkeypatch.setattr('derain_toolkit.inference._available_bytes', lambda device: 2e6)
    tile = choose_tile(model, 4096, 4096, torch.device('cpu'))
    assert tile is not None and tile % 64 == 0 and tile >= 128


def test_bf16_is_close_and_fp16_needs_cuda():
    torch.manual_seed(0)
    model = build_model(TINY_RESTORMER).eval()
    rainy, _ = _rain_pair(32)
    assert _psnr(derain_image(model, rainy, precision='bf16'), derain_image(model, rainy)) > 30
    with pytest.raises(ValueError, match='fp16 needs a CUDA'):
        derain_image(model, rainy, precision='fp16', device='cpu')


def test_load_model_strips_prefixes_and_names_bad_files(tmp_path):
    torch.manual_seed(0)
    trained = build_model(TINY_RESTORMER).eval()
    checkpoint = tmp_path / 'iter_10.pth'
    torch.save(dict(meta=dict(iter=10), state_dict={f'module.{k}': v for k, v in trained.state_dict().items()}),
               checkpoint)
    loaded = load_model(TINY_RESTORMER, checkpoint, device='cpu')
    assert not loaded.training
    image = _rain_pair(24)[0]
    np.testing.assert_array_equal(derain_image(loaded, image), derain_image(trained, image))

    backbone_only = tmp_path / 'backbone.pth'
    torch.save(trained.backbone.state_dict(), backbone_only)
    load_model(TINY_RESTORMER, backbone_only, device='cpu')

    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_model(TINY_RESTORMER, tmp_path / 'missing.pth')
    corrupt = tmp_path / 'corrupt.pth'
    corrupt.write_bytes(b'not a checkpoint')
    with pytest.raises(ValueError, match='corrupt.pth'):
        load_model(TINY_RESTORMER, corrupt)
    other = tmp_path / 'other.pth'
    torch.save(dict(state_dict=build_model(dict(TINY_RESTORMER, backbone=dict(
        TINY_RESTORMER['backbone'], dim=16))).state_dict()), other)
    with pytest.raises(ValueError, match='other.pth'):
        load_model(TINY_RESTORMER, other)


def test_the_inference_module_imports_first_in_a_fresh_interpreter():
    """A user's script starts with ``from derain_toolkit.inference import derain``: no import cycle."""
    import subprocess
    import sys
    probe = subprocess.run([sys.executable, '-c', 'from derain_toolkit.inference import derain'],
                           capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr[-2000:]
