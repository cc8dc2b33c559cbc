"""The smoke budget shrinks NeRD-Rain (every U-Net, the INRs) and its 256-pixel windowed test to its 32x32 images."""
from pathlib import Path

import torch

from derain_toolkit import build_model, load_config
from derain_toolkit.reproduce.budgets import apply_budget, get_budget

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_budget_runs_nerdrain_through_windows_on_its_synthetic_images():
    cfg = apply_budget(load_config(ROOT / 'configs' / 'nerdrain_s_rain200h.py'), get_budget('smoke'), ['Rain200H'],
                       'Rain200H')
    backbone = cfg.model.backbone
    assert (backbone.dim, backbone.num_blocks, backbone.heads, backbone.inr_hidden) == (8, (1, 1, 1), (1, 2, 2),
                                                                                         (16, 16))
    assert cfg.model.test_time == dict(type='WindowPartition', window_size=32)
    net = build_model(cfg).eval()
    side = cfg.test_dataloader.Rain200H.dataset.image_size
    with torch.no_grad():
        pred = net(torch.rand(1, 3, side, side + 8), mode='tensor')
    assert pred.shape == (1, 3, side, side + 8)
