"""CLIP-RPN configs: every paper/ablation config builds (tiny override) and trains one iteration."""
import glob
import os.path as osp
import sys
import warnings

import pytest
import torch
from mmengine.config import Config

from derain_toolkit import build_model, load_config
from derain_toolkit.models.routers.clip_router import clip_weights_problem

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'clip_rpn_ablations', '*.py'))) + [
    osp.join(ROOT, 'configs', f'clip_rpn_{name}.py')
    for name in ('mixed', 'rain100l', 'rain100h', 'rain800', 'tiny_synthetic')]


def _tiny(path: str) -> Config:
    """The config of ``path`` with the tiny dims and tiny random CLIP of clip_rpn_tiny.py."""
    cfg = load_config(path)
    tiny = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'models', 'clip_rpn_tiny.py'))
    options = {f'model.backbone.backbone.{key}': value for key, value in tiny.model.backbone.backbone.items()}
    if cfg.model.backbone.router.type == 'CLIPRouter':
        options.update({f'model.backbone.router.{key}': value for key, value in tiny.model.backbone.router.items()})
    cfg.merge_from_dict(options)
    return cfg


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, osp.join(ROOT, 'configs')))
def test_config_builds_and_runs_one_iteration(path):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = build_model(_tiny(path))
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    inputs = torch.rand(2, 3, 16, 16)
    gt = (inputs - 0.3 * torch.rand(2, 3, 16, 16)).clamp(0, 1)
    losses = model(inputs, dict(gt=gt, meta=[{'key': 'a'}, {'key': 'b'}]), mode='loss')
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()
    optimizer.step()
    with_mgca = load_config(path).model.backbone.mgca is not None
    assert ('loss_mask_bce' in losses) == with_mgca


def test_ablation_rows_differ_from_the_base_as_the_paper_says():
    def cfg(name):
        return load_config(osp.join(ROOT, 'configs', 'clip_rpn_ablations', f'{name}.py')).model
    base = load_config(osp.join(ROOT, 'configs', 'clip_rpn_mixed.py')).model
    assert base.backbone.router.prompts == 'set3' and base.backbone.router.pretrained == 'openai'
    assert [(loss.type, loss.loss_weight) for loss in base.losses] == [('DLSLoss', 1.0), ('RainMaskBCELoss', 0.1)]
    assert (base.losses[0].beta, base.losses[0].eta) == (0.8, 2.3)
    assert cfg('table10_no_rpn').backbone.router.type == 'NoRouter'
    assert cfg('table10_no_mgca').backbone.mgca is None
    assert cfg('table6_prompt1').backbone.router.prompts == 'set1'
    assert cfg('table11_huber').losses[0].type == 'HuberLoss'
    assert [cfg(f'fig7_beta_{b}').losses[0].beta for b in ('0p6', '1p0')] == [0.6, 1.0]
    assert {cfg(f'fig7_beta_{b}').losses[0].eta for b in ('0p6', '1p0')} == {2.3}
    assert [cfg(f'fig8_eta_{e}').losses[0].eta for e in ('1p9', '2p7')] == [1.9, 2.7]


def test_paper_recipe():
    cfg = load_config(osp.join(ROOT, 'configs', 'clip_rpn_mixed.py'))
    assert cfg.train_dataloader.batch_size == 8
    assert cfg.optim_wrapper.optimizer.lr == 2e-4 and cfg.optim_wrapper.optimizer.weight_decay == 0.01
    assert cfg.train_cfg.max_epochs == 300


def _train_error(tmp_path) -> str:
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import train
    with pytest.raises(Exception) as error:
        train.main([osp.join(ROOT, 'configs', 'clip_rpn_mixed.py'), '--work-dir', str(tmp_path), '--device', 'cpu'])
    return str(error.value)


def test_train_without_data_names_the_missing_dataset_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert 'data/Rain100L/train' in _train_error(tmp_path)


def test_clip_weights_problem_of_the_paper_config_says_how_to_give_weights():
    router = load_config(osp.join(ROOT, 'configs', 'clip_rpn_mixed.py')).model.backbone.router
    problem = clip_weights_problem(router.model_name, router.pretrained)
    if problem is not None:  # None only where the weights are cached or downloadable
        assert '--cfg-options model.backbone.router.pretrained=' in problem


def test_train_reports_missing_data_and_clip_weights_together(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = _train_error(tmp_path)
    assert 'data/Rain100L/train' in message and 'model.backbone.router.pretrained' in message
