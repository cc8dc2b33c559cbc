"""configs/nerdrain_*.py and nerdrain_s_*.py: the official networks, loss, windowed test and train.py recipe on the
five sets; the tiny configs train (the loss falls in a few steps) and test through windows."""
from pathlib import Path

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper

from derain_toolkit import build_model, load_config
from derain_toolkit.registry import DATASETS

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / 'configs'
SETS = ['rain200l', 'rain200h', 'did', 'ddn', 'spa']
NETWORKS = {'nerdrain': (48, 22_893_146), 'nerdrain_s': (32, 10_530_314)}


@pytest.mark.parametrize('network', sorted(NETWORKS))
@pytest.mark.parametrize('dataset', SETS)
def test_set_configs_follow_the_official_code(network, dataset):
    cfg = load_config(CONFIGS / f'{network}_{dataset}.py')
    dim, params = NETWORKS[network]
    assert (cfg.model.backbone.type, cfg.model.backbone.dim, cfg.checkpoint_converter) == ('NeRDRain', dim, 'nerdrain')
    assert cfg.model.test_time == dict(type='WindowPartition', window_size=256)
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, warmup.end, warmup.by_epoch) == ('LinearLR', 3, True)
    assert (cosine.type, cosine.begin, cosine.end, cosine.T_max, cosine.eta_min) == (
        'CosineAnnealingLR', 3, 3000, 2997, 1e-6)
    assert (cfg.train_cfg.max_epochs, cfg.train_cfg.val_interval, cfg.train_dataloader.batch_size) == (3000, 1, 1)
    assert cfg.train_dataloader.dataset.pipeline == [
        dict(type='PairedRandomCrop', patch_size=256, pad_if_smaller=True, pad_mode='reflect'),
        dict(type='PairedRandomDihedral'), dict(type='PairedToTensor')]
    assert cfg.train_dataloader.dataset.data_root == load_config(
        CONFIGS / '_base_' / 'datasets' / f'{dataset}.py').train_dataloader.dataset.data_root


@pytest.mark.parametrize('network', sorted(NETWORKS))
def test_the_model_is_the_official_size(network):
    with torch.device('meta'):  # sizes only
        net = build_model(load_config(CONFIGS / f'{network}_rain200h.py'))
    assert sum(p.numel() for p in net.backbone.parameters()) == NETWORKS[network][1]
    assert [loss.name for loss in net.losses] == ['charbonnier', 'fft', 'edge', 'l1']


@pytest.mark.parametrize('network', sorted(NETWORKS))
def test_tiny_config_trains_and_tests_through_windows(network):
    """The tiny config's model, optimiser and synthetic data: 6 steps on one batch of two 32x32 renders."""
    torch.manual_seed(0)
    cfg = load_config(CONFIGS / f'{network}_tiny_synthetic.py')
    net = build_model(cfg)
    optim_wrapper = build_optim_wrapper(net, cfg.optim_wrapper)
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, image_size=32, num_samples=2))
    batch = pseudo_collate([dataset[0], dataset[1]])
    losses = [net.train_step(batch, optim_wrapper) for _ in range(6)]
    assert sorted(losses[0]) == ['loss', 'loss_charbonnier', 'loss_edge', 'loss_fft', 'loss_l1', 'loss_psnr']
    totals = [loss['loss'].item() for loss in losses]
    assert all(torch.isfinite(torch.tensor(totals))) and totals[-1] < 0.9 * totals[0]
    assert cfg.model.test_time == dict(type='WindowPartition', window_size=32)
    with torch.no_grad():
        pred = net(torch.rand(1, 3, 70, 65), mode='tensor')  # 32x32 windows
    assert pred.shape == (1, 3, 70, 65) and 0 <= pred.min() and pred.max() <= 1
