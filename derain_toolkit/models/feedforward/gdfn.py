"""Gated-Dconv feed-forward network (GDFN).

Restormer (Zamir et al., CVPR 2022), Sec. 3.2, Eq. (3): a 1x1 conv to two hidden
streams, 3x3 depth-wise convs, ``GELU(stream1) * stream2``, a 1x1 conv back.
"""
import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.registry import FEEDFORWARDS


@FEEDFORWARDS.register_module()
class GDFN(nn.Module):
    """Args:
        dim: Channels.
        expansion_factor: Hidden width is ``int(dim * expansion_factor)`` (2.66 in Restormer).
        bias: Biases in the convolutions.
    """

    def __init__(self, dim: int, expansion_factor: float = 2.66, bias: bool = False) -> None:
        super().__init__()
        hidden = int(dim * expansion_factor)
        self.project_in = nn.Conv2d(dim, hidden * 2, kernel_size=1, bias=bias)
        self.dwconv = nn.Conv2d(hidden * 2, hidden * 2, kernel_size=3, padding=1, groups=hidden * 2, bias=bias)
        self.project_out = nn.Conv2d(hidden, dim, kernel_size=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, value = self.dwconv(self.project_in(x)).chunk(2, dim=1)  # 2 x (B, hidden, H, W)
        return self.project_out(F.gelu(gate) * value)
