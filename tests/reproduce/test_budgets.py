"""Budgets: smoke shrinks every model family and swaps in synthetic data; paper changes nothing."""
import os

import pytest
import torch
from mmengine.evaluator import BaseMetric
from torch import nn

from derain_toolkit import build_model, load_config
from derain_toolkit.engine.runner_utils import score_inputs
from derain_toolkit.models.layers.open_clip_loader import TINY_CLIP
from derain_toolkit.registry import BACKBONES, METRICS
from derain_toolkit.reproduce.budgets import apply_budget, get_budget, shrink_part
from derain_toolkit.utils.complexity import count_parameters

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _config(name):
    return load_config(os.path.join(ROOT, 'configs', name))


def test_smoke_shrinks_clip_rpn_and_makes_one_synthetic_test_set_per_column():
    cfg = apply_budget(_config('clip_rpn_mixed.py'), get_budget('smoke'), ['Rain100L', 'Mixed'], 'Mixed')
    unet = cfg.model.backbone.backbone
    assert unet.dim == 8 and unet.num_blocks == (1, 1, 1, 1) and unet.num_refinement_blocks == 1
    assert unet.heads == (1, 2, 2, 2)  # at most 2 heads per level, of the paper's (1, 2, 4, 8)
    router = cfg.model.backbone.router
    assert router.pretrained is None and router.allow_random_init and router.model_cfg == 'tiny'
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


@pytest.fixture
def plugin_parts():
    """A plugin-style backbone and two metrics, registered here as a plugin would register them."""

    class PluginNet(nn.Module):
        def __init__(self, width: int = 64, depth: int = 8) -> None:
            super().__init__()
            self.body = nn.Sequential(*(nn.Conv2d(3, 3, 1) for _ in range(depth)))
            self.width = width

        @staticmethod
        def tiny_overrides(cfg: dict) -> dict:
            return dict(width=4, depth=min(2, cfg.get('depth', 8)))

    class PluginScore(BaseMetric):
        scores_input = True

    class PluginDownloadedScore(BaseMetric):
        needs_downloaded_weights = True

    names = [(BACKBONES, 'PluginNetOfTheBudgetTest', PluginNet), (METRICS, 'PluginScoreOfTheBudgetTest', PluginScore),
             (METRICS, 'PluginDownloadedScoreOfTheBudgetTest', PluginDownloadedScore)]
    for registry, name, part in names:
        registry.register_module(name=name, module=part)
    yield
    for registry, name, _ in names:
        registry.module_dict.pop(name)


def test_a_plugin_part_is_shrunk_and_its_metrics_declarations_are_honoured_with_no_core_change(plugin_parts):
    cfg = _config('restormer_tiny_synthetic.py')
    cfg.model.backbone = dict(type='PluginNetOfTheBudgetTest', width=64, depth=5)
    cfg.test_evaluator = [dict(type='PluginScoreOfTheBudgetTest'), dict(type='PluginDownloadedScoreOfTheBudgetTest'),
                          dict(type='PSNRMetric'), dict(type='LPIPSMetric')]
    apply_budget(cfg, get_budget('smoke'), ['Rain100L'], 'Rain100L')
    assert cfg.model.backbone == dict(type='PluginNetOfTheBudgetTest', width=4, depth=2)
    assert [m['type'] for m in cfg.test_evaluator] == ['PluginScoreOfTheBudgetTest', 'PSNRMetric']
    score_inputs(cfg)
    assert [m.get('score_input') for m in cfg.test_evaluator] == [True, True]
    assert build_model(cfg).backbone.width == 4


def test_a_part_without_a_tiny_variant_is_left_as_written():
    part = dict(type='L1Loss', loss_weight=3.0)
    shrink_part(part)
    assert part == dict(type='L1Loss', loss_weight=3.0)
