import torch
from mmengine.registry import OPTIM_WRAPPERS
from torch import nn

from derain_toolkit.engine.cpu_amp_optim_wrapper import CPUAmpOptimWrapper


def test_forward_runs_in_bfloat16_and_weights_stay_float32():
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    wrapper = OPTIM_WRAPPERS.build(dict(type='CPUAmpOptimWrapper',
                                        optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    assert isinstance(wrapper, CPUAmpOptimWrapper)
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().pow(2).mean())
    assert model.weight.dtype == torch.float32
    assert not torch.equal(model.weight, before)
    assert model(torch.randn(3, 4)).dtype == torch.float32  # autocast ends with the context
