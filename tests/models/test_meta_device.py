"""Every tiny config trains and samples with the model and its inputs on the ``meta`` device.

Until a GPU runs the suite, this is how device-placement bugs that only CUDA would show
are caught on a CPU: a tensor created without the input's device (``torch.zeros(n)``,
``torch.arange(n)``, a generator on the wrong device) lands on the CPU and the next
operation with a meta tensor fails. Meta tensors have shapes and dtypes but no values, so
nothing is computed.
"""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from derain_toolkit.build import build_model

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
TINY = sorted(path.name[:-len('_tiny_synthetic.py')] for path in CONFIGS.glob('*_tiny_synthetic.py'))
META = torch.device('meta')


def _meta_model(name: str) -> nn.Module:
    init_default_scope('derain_toolkit')
    with META:
        return build_model(Config.fromfile(CONFIGS / f'{name}_tiny_synthetic.py'))


def _batch() -> tuple[torch.Tensor, dict]:
    # 64 px: at least every tiny config's test-time window; 3 images: FADformer's FCR draws negatives from the batch
    inputs = torch.empty(3, 3, 64, 64, device=META)
    return inputs, dict(gt=torch.empty_like(inputs), meta=[dict(key=k) for k in 'abc'])


def _assert_on_meta(tensors: list[torch.Tensor]) -> None:
    assert tensors and all(t.device == META for t in tensors), {t.device for t in tensors}


def test_every_tiny_config_is_covered():
    assert {'restormer', 'clip_rpn', 'ddsa', 'irsde', 'irsde_daclip', 'prenet', 'mprnet'} <= set(TINY)


@pytest.mark.parametrize('name', [name for name in TINY if name != 'clip_rpn'])
def test_train_step_and_sampling_stay_on_the_inputs_device(name):
    model = _meta_model(name).train()
    inputs, samples = _batch()
    losses = model(inputs, samples, mode='loss')
    sum(losses.values()).backward()
    _assert_on_meta([p.grad for p in model.parameters() if p.grad is not None])
    model.eval()
    with torch.no_grad():
        results = model(inputs, samples, mode='predict')
    _assert_on_meta([result['pred'] for result in results])


def test_clip_rpn_router_and_every_route_stay_on_the_inputs_device():
    """CLIP-RPN groups the batch by route (``torch.unique``, data-dependent: no meta kernel), so the
    router and each route's branch (backbone, mask heads, MGCA neck) run on meta one by one."""
    network = _meta_model('clip_rpn').train().backbone
    inputs, _ = _batch()
    _assert_on_meta([network.router(inputs)])
    for route in range(network.num_branches):
        pred, logits = network._run_branch(inputs, route)
        (pred.sum() + sum(level.sum() for level in logits)).backward()
        _assert_on_meta([pred, *logits])
    _assert_on_meta([p.grad for p in network.parameters() if p.grad is not None])
