"""Shared pieces of the checkpoint tests: the official Restormer fixture and a toolkit config of its shape."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]
OFFICIAL = REPO / 'tests' / 'fixtures' / 'official'
RESTORMER_TINY = OFFICIAL / 'restormer_tiny.pth'
# The fixtures README, section restormer: Restormer(dim=4, num_blocks=[1,1,1,1],
# num_refinement_blocks=1, heads=[1,2,4,8], ffn_expansion_factor=2.66, bias=False, WithBias).
TINY_SHAPE = """_base_ = [{base!r}]
model = dict(backbone=dict(dim=4, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1, heads=(1, 2, 4, 8),
                           ffn_expansion_factor=2.66))
train_dataloader = dict(dataset=dict(num_samples=2, image_size=16))
test_dataloader = dict(dataset=dict(num_samples=2, image_size=16))
val_dataloader = dict(dataset=dict(num_samples=2, image_size=16))
"""


@pytest.fixture(scope='session')
def restormer_io() -> dict:
    """Inputs and official outputs of the tiny Restormer (float32 and float64)."""
    return torch.load(OFFICIAL / 'restormer_tiny_io.pt', weights_only=True)


@pytest.fixture(scope='session')
def official_restormer_state() -> dict:
    """The tiny official Restormer's state dict (``restormer_tiny.pth['params']``)."""
    return torch.load(RESTORMER_TINY, weights_only=True)['params']


@pytest.fixture
def tiny_restormer_config(tmp_path) -> str:
    """A toolkit config of the tiny official Restormer's shape (synthetic data, checkpoint_converter='restormer')."""
    path = tmp_path / 'restormer_official_tiny.py'
    path.write_text(TINY_SHAPE.format(base=str(REPO / 'configs' / 'restormer_tiny_synthetic.py')))
    assert Config.fromfile(str(path)).checkpoint_converter == 'restormer'
    return str(path)
