"""DRSformer and PromptIR configs: CLIP-RPN's protocol on each Table 3 dataset, and the tiny
synthetic configs build and train (one iteration, then a falling loss over a few)."""
from pathlib import Path

import pytest
import torch

from derain_toolkit import build_model, load_config

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
DATASETS = ('rain100l', 'rain100h', 'rain800', 'mixed')
RECIPE_KEYS = ('optim_wrapper', 'param_scheduler', 'train_cfg', 'val_cfg', 'test_cfg', 'train_dataloader',
               'val_dataloader', 'test_dataloader', 'val_evaluator', 'test_evaluator', 'default_hooks',
               'custom_hooks')


@pytest.mark.parametrize('dataset', DATASETS)
@pytest.mark.parametrize('network', ['drsformer', 'promptir'])
def test_paper_config_is_its_model_under_clip_rpns_recipe(network, dataset):
    cfg = load_config(CONFIGS / f'{network}_{dataset}.py')
    clip_rpn = load_config(CONFIGS / f'clip_rpn_{dataset}.py')
    for key in RECIPE_KEYS:
        assert cfg.get(key) == clip_rpn.get(key), key
    assert cfg.model == load_config(CONFIGS / '_base_' / 'models' / f'{network}.py').model
    assert cfg.checkpoint_converter == network


def _batch(size: int = 16) -> tuple[torch.Tensor, dict]:
    generator = torch.Generator().manual_seed(0)
    gt = torch.rand(2, 3, size, size, generator=generator)
    rainy = (gt + 0.3 * torch.rand(2, 3, size, size, generator=generator)).clamp(0, 1)
    return rainy, dict(gt=gt, meta=[{'key': 'a'}, {'key': 'b'}])


@pytest.mark.parametrize('network', ['drsformer', 'promptir'])
def test_tiny_config_trains_with_a_falling_loss(network):
    torch.manual_seed(0)
    cfg = load_config(CONFIGS / f'{network}_tiny_synthetic.py')
    model = build_model(cfg).train()
    assert type(model.backbone).__name__ == cfg.model.backbone.type
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.optim_wrapper.optimizer.lr)
    inputs, data_samples = _batch()
    losses = []
    for _ in range(4):
        loss = sum(model(inputs, data_samples, mode='loss').values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < 0.8 * losses[0], losses
