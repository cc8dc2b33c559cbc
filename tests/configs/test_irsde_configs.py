"""The tiny IR-SDE configs (with and without DA-CLIP) build, train and sample on CPU.

The full tiny runs (``python tools/train.py configs/irsde_tiny_synthetic.py --device cpu``)
take minutes; here the configs' model trains for 40 iterations on one fixed pair and its
IR-SDE loss must fall.
"""
import math
from pathlib import Path

import pytest
import torch
from mmengine.optim import OptimWrapper

from derain_toolkit import build_model, load_config
from derain_toolkit.registry import BACKBONES

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'


@pytest.mark.parametrize('name', ['irsde_tiny_synthetic.py', 'irsde_daclip_tiny_synthetic.py'])
def test_tiny_config_trains_and_samples(name):
    torch.manual_seed(0)
    cfg = load_config(CONFIGS / name)
    cfg.model.generator.sampler.steps = 2
    cfg.model.backbone.nf = 8
    model = build_model(cfg)
    trainable = [p for p in model.parameters() if p.requires_grad]
    before = [p.detach().clone() for p in trainable]
    wrapper = OptimWrapper(torch.optim.AdamW(trainable, lr=1e-3))
    clean = torch.rand(2, 3, 32, 32)
    rainy = (clean + 0.3 * (torch.rand(2, 1, 32, 32) > 0.9)).clamp(0, 1)  # sparse white streak pixels
    data = dict(inputs=list(rainy), data_samples=[dict(gt=g, key=str(i)) for i, g in enumerate(clean)])
    losses = [model.train_step(data, wrapper)['loss_l1'].item() for _ in range(40)]
    assert all(math.isfinite(loss) for loss in losses)
    assert sum(losses[-10:]) < 0.7 * sum(losses[:10])
    assert any(not torch.equal(a, b) for a, b in zip(before, trainable))
    if model.generator.daclip is not None:
        assert all(not p.requires_grad for p in model.generator.daclip.parameters())
    model.eval()
    results = model.val_step(data)
    assert results[0]['pred'].shape == (3, 32, 32)
    assert 0 <= results[0]['pred'].min() and results[0]['pred'].max() <= 1


def test_small_config_is_the_size_its_comment_says():
    cfg = load_config(CONFIGS / 'irsde_small_rain100h.py')
    with torch.device('meta'):
        net = BACKBONES.build(cfg.model.backbone)
    assert sum(p.numel() for p in net.parameters()) == 35_214_659


def test_mr_sampler_config_is_the_daclip_config_with_another_sampler():
    """configs/irsde_daclip_mrs_rain100h.py changes only model.generator.sampler (DA-CLIP Tables I/II MRS row)."""
    base, mrs = (load_config(CONFIGS / name) for name in ('irsde_daclip_rain100h.py', 'irsde_daclip_mrs_rain100h.py'))
    assert mrs.model.generator.sampler == dict(type='MRSampler', steps=10, solver='ode', order=2, prediction='data')
    assert base.model.generator.sampler == dict(type='PosteriorSampler', steps=100)
    mrs.model.generator.sampler = base.model.generator.sampler
    assert mrs.to_dict() == base.to_dict()
