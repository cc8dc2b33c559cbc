"""Budgets: smoke shrinks every model family and swaps in synthetic data; paper changes nothing."""
import os

import pytest
import torch

from derain_toolkit import build_model, load_config
from derain_toolkit.reproduce.budgets import TINY_CLIP, apply_budget, get_budget
from derain_toolkit.utils.complexity import count_parameters

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _config(name):
    return load_config(os.path.join(ROOT, 'configs', name))


def test_smoke_shrinks_clip_rpn_and_makes_one_synthetic_test_set_per_column():
    cfg = apply_budget(_config('clip_rpn_mixed.py'), get_budget('smoke'), ['Rain100L', 'Mixed'], 'Mixed')
    unet = cfg.model.backbone.backbone
    assert unet.dim == 8 and unet.num_blocks == (1, 1, 1, 1) and unet.num_refinement_blocks == 1
    router = cfg.model.backbone.router
    assert router.pretrained is None and router.allow_random_init and router.model_cfg == TINY_CLIP
    assert cfg.train_cfg == dict(type='IterBasedTrainLoop', max_iters=10, val_interval=11)
    assert cfg.param_scheduler is None and cfg.val_dataloader is None
    assert cfg.optim_wrapper.type == 'OptimWrapper' and cfg.optim_wrapper.optimizer.lr == 2e-4
    assert sorted(cfg.test_dataloader) == ['Mixed', 'Rain100L']
    assert cfg.test_dataloader.Rain100L.dataset.patterns == ('light',)
    assert cfg.test_dataloader.Mixed.dataset.patterns == ('light', 'moderate', 'heavy')
    assert cfg.train_dataloader.dataset.type == 'SyntheticRainDataset'
    assert cfg.test_cfg.type == 'MultiDatasetTestLoop'


def test_smoke_keeps_the_ablated_parts_and_shrinks_irsde_with_daclip():
    ddsa = apply_budget(_config('ddsa_ablations/b_ssa.py'), get_budget('smoke'), ['Rain100H'], 'Rain13K')
    assert ddsa.model.backbone.attn.dense is False and ddsa.model.backbone.attn.sparse is True
    assert ddsa.model.backbone.num_refinement_blocks == 1
    irsde = apply_budget(_config('irsde_daclip_rain100h.py'), get_budget('smoke'), ['Rain100H'], 'Rain100H')
    assert irsde.model.backbone.nf == 8 and irsde.model.backbone.embed_dim == TINY_CLIP['embed_dim']
    generator = irsde.model.generator
    assert generator.sampler.steps == 10 and generator.num_steps == 100 and generator.daclip.pretrained is None
    assert all(m.type != 'LPIPSMetric' for m in irsde.test_evaluator)


def test_paper_budget_leaves_the_config_unchanged():
    before = _config('ddsa_rain13k.py')
    after = apply_budget(_config('ddsa_rain13k.py'), get_budget('paper'), ['Rain100H'], 'Rain13K')
    assert after.to_dict() == before.to_dict()


@pytest.mark.parametrize('name', ['prenet', 'mprnet', 'drsformer', 'promptir'])
def test_smoke_shrinks_each_baseline_to_a_model_that_runs_on_its_patches(name):
    full = _config(f'{name}_rain100l.py')
    with torch.device('meta'):
        full_params = count_parameters(build_model(full))
    cfg = apply_budget(_config(f'{name}_rain100l.py'), get_budget('smoke'), ['Rain100L'], 'Rain100L')
    model = build_model(cfg)
    assert cfg.model.backbone.type == full.model.backbone.type  # the same network, smaller
    assert count_parameters(model) * 15 < full_params
    size = get_budget('smoke').patch_size
    assert model(torch.rand(1, 3, size, size), mode='tensor').shape == (1, 3, size, size)
