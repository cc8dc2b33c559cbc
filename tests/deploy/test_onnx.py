"""ONNX export and the ONNX Runtime backend: every tiny config exports and derains like PyTorch.

The reference is always the PyTorch model the file was exported from, run through the same
``derain`` on the same image (an odd size, so the backend's padding and cropping are used).
"""
import importlib
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from derain_toolkit.build import build_model, load_config
from derain_toolkit.deploy import extras
from derain_toolkit.deploy.onnx_backend import OnnxBackend
from derain_toolkit.deploy.onnx_export import ExportMismatch, export_onnx
from derain_toolkit.inference import derain, load_backend
from derain_toolkit.registry import BACKBONES

REPO = Path(__file__).resolve().parents[2]
TINY = ['restormer', 'ddsa', 'drsformer', 'promptir', 'prenet', 'mprnet', 'clip_rpn', 'irsde', 'irsde_daclip']
_EXPORTS: dict[str, tuple] = {}
SEEDS = {'clip_rpn': 1}  # the initialisation whose tiny random CLIP routes dark and bright images apart


def exported(name: str, folder: Path) -> tuple:
    """(config, PyTorch model, the ONNX file) of ``configs/<name>_tiny_synthetic.py``, exported once."""
    if name not in _EXPORTS:
        cfg = load_config(REPO / 'configs' / f'{name}_tiny_synthetic.py')
        torch.manual_seed(SEEDS.get(name, 0))
        model = build_model(cfg).eval()
        files = export_onnx(model, cfg, folder / f'{name}.onnx')
        _EXPORTS[name] = (cfg, model, files[-1])
    return _EXPORTS[name]


@pytest.fixture(scope='module')
def onnx_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp('onnx')


def _rainy(height: int = 21, width: int = 27) -> np.ndarray:
    return np.random.default_rng(3).random((height, width, 3)).astype(np.float32)


@pytest.mark.parametrize('name', TINY)
def test_every_tiny_config_exports_and_derains_like_pytorch(name, onnx_dir):
    cfg, model, file = exported(name, onnx_dir)
    backend = load_backend(cfg, file)
    assert isinstance(backend, OnnxBackend)
    image = _rainy()
    ours = derain(backend, image, tile=0)
    reference = derain(model, image, tile=0, channels_last=False)
    assert np.abs(ours.image - reference.image).max() < 1e-4
    assert np.abs(ours.image - image).max() > 1e-3  # the network changed the image (not a pass-through)
    levels = len(cfg.model.backbone.backbone.num_blocks) if name == 'clip_rpn' else 1
    assert len(ours.level_masks) == len(reference.level_masks) == levels - 1  # a mask per MGCA (non-bottom) level
    for got, expected in zip(ours.level_masks, reference.level_masks):
        assert np.abs(got - expected).max() < 1e-4


def test_clip_rpn_graph_serves_every_route(onnx_dir):
    """Images the tiny CLIP routes differently: the graph picks the same route and applies it."""
    cfg, model, file = exported('clip_rpn', onnx_dir)
    backend = OnnxBackend(cfg, file)
    rng = np.random.default_rng(0)
    routes = set()
    for level in (0.05, 0.3, 0.6, 0.97):  # the tiny random CLIP routes dark and bright images apart
        image = torch.from_numpy(np.clip(level + 0.03 * rng.standard_normal((1, 3, 16, 24)), 0, 1)).float()
        with torch.no_grad():
            expected = model.backbone(image)
        got = backend.run(image, 'fp32')
        assert int(got['routes'][0]) == int(expected['routes'][0])
        assert torch.allclose(got['pred'].clamp(0, 1), expected['pred'].clamp(0, 1), atol=1e-4)
        routes.add(int(expected['routes'][0]))
    assert len(routes) >= 2  # several routes were taken, each reproduced


@BACKBONES.register_module(force=True)
class _FrozenByTrace(nn.Module):
    """Python control flow on the width: a trace keeps the branch of the probe it saw."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(0.5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale if x.shape[-1] > x.shape[-2] else x


def test_export_refuses_a_graph_that_differs_and_names_it(tmp_path):
    cfg = load_config(dict(model=dict(type='Derainer', backbone=dict(type='_FrozenByTrace'))))
    model = build_model(cfg).eval()
    out = tmp_path / 'frozen.onnx'
    with pytest.raises(ExportMismatch, match=r"output 'pred' at 40x24: max abs difference 0\.\d+ > 0\.0001"):
        export_onnx(model, cfg, out)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even the partial file


def test_file_exported_for_another_network_is_refused(onnx_dir):
    _, _, file = exported('restormer', onnx_dir)
    with pytest.raises(ValueError, match=rf'{file}.*another network \(RestormerUNet\).*\(DRSformer\).*backbone'):
        OnnxBackend(REPO / 'configs' / 'drsformer_tiny_synthetic.py', file)
    other = load_config(REPO / 'configs' / 'restormer_tiny_synthetic.py')
    other.model.backbone.dim = 16
    with pytest.raises(ValueError, match=r'backbone\.dim: 8 vs 16'):
        OnnxBackend(other, file)


def test_truncated_or_foreign_files_are_refused(onnx_dir, tmp_path):
    cfg, _, file = exported('restormer', onnx_dir)
    truncated = tmp_path / 'truncated.onnx'
    truncated.write_bytes(file.read_bytes()[:2000])
    with pytest.raises(ValueError, match=rf'{truncated} is not a readable ONNX model \(truncated or corrupt\?\)'):
        OnnxBackend(cfg, truncated)
    with pytest.raises(FileNotFoundError, match='missing.onnx'):
        OnnxBackend(cfg, tmp_path / 'missing.onnx')


def test_empty_image_and_half_precision_get_clear_errors(onnx_dir):
    cfg, _, file = exported('restormer', onnx_dir)
    backend = OnnxBackend(cfg, file)
    with pytest.raises(ValueError, match=r'at least 1 x 1 pixels.*got 0 x 5'):
        derain(backend, np.zeros((0, 5, 3), np.uint8))
    with pytest.raises(ValueError, match='ONNX Runtime runs the exported float32 graph'):
        derain(backend, _rainy(), precision='bf16')
    tiny = derain(backend, np.full((1, 2, 3), 0.5, np.float32), tile=0).image  # padded up to the multiple
    assert tiny.shape == (1, 2, 3)


def test_tiles_report_progress_and_blend_like_pytorch(onnx_dir):
    cfg, model, file = exported('restormer', onnx_dir)
    calls = []
    image = _rainy(40, 52)
    ours = derain(OnnxBackend(cfg, file), image, tile=24, tile_overlap=8, progress=lambda *a: calls.append(a))
    reference = derain(model, image, tile=24, tile_overlap=8, channels_last=False)
    assert calls == [(index, 6) for index in range(1, 7)]  # 2 rows x 3 columns of tiles
    assert np.abs(ours.image - reference.image).max() < 1e-4


def test_missing_extra_names_the_install_command(monkeypatch):
    real = importlib.import_module

    def no_onnxruntime(name, *args):
        if name == 'onnxruntime':
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(extras.importlib, 'import_module', no_onnxruntime)
    with pytest.raises(ImportError, match=r"ONNX Runtime inference needs .*'onnxruntime'.*pip install -e \.\[deploy\]"):
        extras.require('onnxruntime', 'ONNX Runtime inference')
