"""Activation checkpointing (``model.activation_checkpointing=True``): the same gradients as without it,
and far less activation memory, for every transformer U-Net and the IR-SDE / DA-CLIP U-Nets."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from derain_toolkit.build import build_model
from derain_toolkit.models.layers.recomputable import Recomputable, enable_activation_checkpointing
from derain_toolkit.utils.tensor_memory import TensorMemoryTracker

CONFIGS = Path(__file__).resolve().parents[3] / 'configs'
TINY = ['restormer', 'ddsa', 'clip_rpn', 'drsformer', 'promptir', 'irsde', 'irsde_daclip']


def _tiny_model(name: str, checkpointing: bool) -> nn.Module:
    init_default_scope('derain_toolkit')
    cfg = Config.fromfile(CONFIGS / f'{name}_tiny_synthetic.py')
    cfg.model.activation_checkpointing = checkpointing
    torch.manual_seed(0)
    return build_model(cfg).train()


def _loss_step(model: nn.Module) -> tuple[dict[str, torch.Tensor], float]:
    """Gradients of one loss step on a fixed batch, and the peak memory (MiB) of the tensors created in its
    forward pass (the activations kept for the backward pass)."""
    generator = torch.Generator().manual_seed(1)
    inputs = torch.rand(2, 3, 32, 32, generator=generator)
    gt = torch.rand(2, 3, 32, 32, generator=generator)
    samples = dict(gt=gt, meta=[dict(key='a'), dict(key='b')])
    torch.manual_seed(2)  # the IR-SDE draws its time steps and noise
    with TensorMemoryTracker() as tracker:
        loss = sum(model(inputs, samples, mode='loss').values())
    activations = tracker.live_bytes
    loss.backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}
    return grads, activations / 2**20


@pytest.mark.parametrize('name', TINY)
def test_checkpointing_keeps_gradients_and_cuts_activation_memory(name):
    plain_grads, plain_memory = _loss_step(_tiny_model(name, False))
    recomputed_grads, recomputed_memory = _loss_step(_tiny_model(name, True))
    assert plain_grads.keys() == recomputed_grads.keys() and plain_grads
    for key, grad in plain_grads.items():
        torch.testing.assert_close(recomputed_grads[key], grad, rtol=0, atol=1e-6, msg=key)
    assert recomputed_memory < 0.5 * plain_memory, (plain_memory, recomputed_memory)


class _Block(Recomputable):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)
        self.calls = 0

    def forward(self, x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
        self.calls += 1
        return torch.tanh(self.conv(x)) * scale


def test_a_recomputed_block_runs_its_forward_again_in_backward_only_when_training():
    outer = nn.Sequential(_Block(), nn.Sequential(_Block()))
    assert enable_activation_checkpointing(outer) == 2
    x = torch.rand(1, 2, 4, 4, requires_grad=True)
    outer[0](x, scale=2.0).sum().backward()  # keyword arguments pass through
    assert outer[0].calls == 2
    outer.eval()
    outer[0](x).sum().backward()
    assert outer[0].calls == 3
    with torch.no_grad():
        outer.train()
        outer[0](x)
    assert outer[0].calls == 4


def test_a_model_without_recomputable_blocks_is_refused():
    init_default_scope('derain_toolkit')
    cfg = Config.fromfile(CONFIGS / 'prenet_tiny_synthetic.py')
    cfg.model.activation_checkpointing = True
    with pytest.raises(ValueError, match='PReNet has no recomputable blocks'):
        build_model(cfg)
