"""count_parameters_run: the parameters of modules that a call runs, each once."""
import torch
from torch import nn

from derain_toolkit.utils.complexity import count_parameters, count_parameters_run


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.used = nn.Linear(4, 4)  # 20
        self.never = nn.Linear(4, 8)  # 40, built and never called
        self.scale = nn.Parameter(torch.ones(4))  # 4, the net's own parameter
        self.shared = nn.Linear(4, 4, bias=False)  # 16, called twice

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shared(self.shared(self.used(x) * self.scale))


def test_layers_never_called_drop_out_and_shared_ones_count_once():
    net = _Net()
    assert count_parameters(net) == 80
    assert count_parameters_run(lambda: net(torch.rand(2, 4)), net) == 40
    assert not net.used._forward_pre_hooks  # hooks removed


def test_counts_on_the_meta_device():
    with torch.device('meta'):
        net = _Net()
    assert count_parameters_run(lambda: net(torch.empty(1, 4, device='meta')), net) == 40
