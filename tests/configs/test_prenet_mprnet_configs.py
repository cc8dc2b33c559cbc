"""configs/prenet_*.py and configs/mprnet_*.py: build, follow CLIP-RPN's protocol or the official
Rain13K recipe, and the tiny configs train (the loss falls in a few iterations)."""
from pathlib import Path

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper

from derain_toolkit import build_model, load_config
from derain_toolkit.registry import DATASETS

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / 'configs'

MODELS = {'prenet': ('PReNet', 168_963, ['ssim']), 'mprnet': ('MPRNet', 3_637_249, ['charbonnier', 'edge'])}
TABLE3 = ['rain100l', 'rain100h', 'rain800', 'mixed']


@pytest.mark.parametrize('model', sorted(MODELS))
@pytest.mark.parametrize('dataset', TABLE3 + ['rain13k'])
def test_paper_config_builds_the_official_network_and_loss(model, dataset):
    cfg = load_config(CONFIGS / f'{model}_{dataset}.py')
    backbone, parameters, losses = MODELS[model]
    net = build_model(cfg)
    assert type(net.backbone).__name__ == backbone
    assert sum(p.numel() for p in net.backbone.parameters()) == parameters
    assert [loss.name for loss in net.losses] == losses
    assert cfg.checkpoint_converter == model
    assert {'TrainingProgressHook', 'NaNGuardHook'} <= {hook['type'] for hook in cfg.custom_hooks}


def test_mprnet_loss_is_charbonnier_plus_a_twentieth_of_the_edge_loss_on_every_stage():
    net = build_model(CONFIGS / 'mprnet_tiny_synthetic.py')
    x, gt = torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 16)
    losses = net(x, dict(gt=gt, meta=[{}]), mode='loss')
    stages = net.backbone(x)['stages']
    charbonnier = sum(torch.sqrt((s - gt)**2 + 1e-6).mean() for s in stages)
    edge = sum(net.losses[1].loss(s, gt) for s in stages)
    assert len(stages) == 3
    assert losses['loss_charbonnier'].item() == pytest.approx(charbonnier.item(), rel=1e-5)
    assert losses['loss_edge'].item() == pytest.approx(0.05 * edge.item(), rel=1e-5)


@pytest.mark.parametrize('model', sorted(MODELS))
@pytest.mark.parametrize('dataset', TABLE3)
def test_table3_configs_train_under_clip_rpns_protocol(model, dataset):
    """Sec. 4.3: every row with CLIP-RPN's recipe: the same data, schedule and optimiser as clip_rpn_<set>.py."""
    ours, clip_rpn = load_config(CONFIGS / f'{model}_{dataset}.py'), load_config(CONFIGS / f'clip_rpn_{dataset}.py')
    for key in ('train_dataloader', 'val_dataloader', 'optim_wrapper', 'param_scheduler', 'train_cfg',
                'val_evaluator'):
        assert ours[key] == clip_rpn[key], key


def test_rain13k_configs_use_the_official_recipes_and_test_set_by_set():
    prenet, mprnet = load_config(CONFIGS / 'prenet_rain13k.py'), load_config(CONFIGS / 'mprnet_rain13k.py')
    assert prenet.optim_wrapper.optimizer == dict(type='Adam', lr=1e-3)
    assert [(s.type, s.milestones, s.gamma) for s in prenet.param_scheduler] == [('MultiStepLR', [30, 50, 80], 0.2)]
    assert (prenet.train_cfg.max_epochs, prenet.train_dataloader.batch_size) == (100, 18)
    assert prenet.train_dataloader.dataset.pipeline[0] == dict(type='PairedRandomCrop', patch_size=100)
    assert mprnet.optim_wrapper.optimizer == dict(type='Adam', lr=2e-4, betas=(0.9, 0.999), eps=1e-8)
    warmup, cosine = mprnet.param_scheduler
    assert (warmup.end, cosine.begin, cosine.end, cosine.T_max, cosine.eta_min) == (3, 3, 250, 247, 1e-6)
    assert (mprnet.train_cfg.max_epochs, mprnet.global_batch_size, mprnet.train_dataloader.batch_size) == (250, 16, 4)
    assert mprnet.train_dataloader.dataset.pipeline == [  # official DataLoaderTrain: reflect pad, 8 orientations
        dict(type='PairedRandomCrop', patch_size=256, pad_if_smaller=True, pad_mode='reflect'),
        dict(type='PairedRandomDihedral'), dict(type='PairedToTensor')]
    for cfg in (prenet, mprnet):
        assert cfg.test_cfg == dict(type='MultiDatasetTestLoop')
        assert [d.name for d in cfg.test_dataloader.dataset.datasets] == [
            'Test100', 'Rain100H', 'Rain100L', 'Test2800', 'Test1200']


@pytest.mark.parametrize('model, floor', [('prenet', -1.0), ('mprnet', 0.0)])
def test_tiny_config_trains_and_the_loss_falls(model, floor):
    """The tiny config's model, optimiser and synthetic data: 8 steps on one batch of two 16x16 renders.
    ``floor`` is the loss's minimum (negative SSIM: -1), the gap to it must shrink by a tenth."""
    torch.manual_seed(0)
    cfg = load_config(CONFIGS / f'{model}_tiny_synthetic.py')
    net = build_model(cfg)
    optim_wrapper = build_optim_wrapper(net, cfg.optim_wrapper)
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, image_size=16, num_samples=2))
    batch = pseudo_collate([dataset[0], dataset[1]])
    losses = [net.train_step(batch, optim_wrapper)['loss'].item() for _ in range(8)]
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] - floor < 0.9 * (losses[0] - floor)
    with torch.no_grad():
        pred = net(torch.rand(1, 3, 21, 30), mode='tensor')  # any size
    assert pred.shape == (1, 3, 21, 30) and 0 <= pred.min() and pred.max() <= 1
