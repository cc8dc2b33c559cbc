"""Mixed-scale feed-forward network (MSFN) of DRSformer.

DRSformer (Chen et al., "Learning A Sparse Transformer Network for Effective Image
Deraining", CVPR 2023), Sec. 3.2 "Sparse Transformer Block", MSFN. A 1x1 conv widens
the input to ``2h`` channels (``h = int(dim * expansion_factor)``); two parallel
depth-wise paths, 3x3 and 5x5, each followed by ReLU, are each split in two halves; the
first halves of both scales are concatenated and mixed by a grouped 3x3 conv (``h``
groups of two channels, ``2h -> h``), the second halves by a grouped 5x5 conv, each
followed by ReLU; a 1x1 conv maps the concatenated ``2h`` channels back to ``dim``.

Official code: cschenxiang/DRSformer at e77bbb4ecc59aaa2cd170a0f8f65b188a9dd77c6,
``basicsr/models/archs/DRSformer_arch.py``, class ``FeedForward``; its ``dwconv3x3_1`` /
``dwconv5x5_1`` are :attr:`MSFN.fuse3x3` / :attr:`MSFN.fuse5x5` here. The four
activations are ReLU, as in the official code (Restormer's GDFN gates with GELU instead;
there is no gate here).
"""
import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.registry import FEEDFORWARDS


@FEEDFORWARDS.register_module()
class MSFN(nn.Module):
    """Args:
        dim: Channels.
        expansion_factor: Hidden width is ``int(dim * expansion_factor)`` (2.66 in DRSformer).
        bias: Biases in the convolutions.
    """

    def __init__(self, dim: int, expansion_factor: float = 2.66, bias: bool = False) -> None:
        super().__init__()
        hidden = int(dim * expansion_factor)
        self.project_in = nn.Conv2d(dim, hidden * 2, kernel_size=1, bias=bias)
        self.dwconv3x3 = nn.Conv2d(hidden * 2, hidden * 2, kernel_size=3, padding=1, groups=hidden * 2, bias=bias)
        self.dwconv5x5 = nn.Conv2d(hidden * 2, hidden * 2, kernel_size=5, padding=2, groups=hidden * 2, bias=bias)
        self.fuse3x3 = nn.Conv2d(hidden * 2, hidden, kernel_size=3, padding=1, groups=hidden, bias=bias)
        self.fuse5x5 = nn.Conv2d(hidden * 2, hidden, kernel_size=5, padding=2, groups=hidden, bias=bias)
        self.project_out = nn.Conv2d(hidden * 2, dim, kernel_size=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.project_in(x)
        first3, second3 = F.relu(self.dwconv3x3(x)).chunk(2, dim=1)  # 2 x (B, h, H, W)
        first5, second5 = F.relu(self.dwconv5x5(x)).chunk(2, dim=1)
        first = F.relu(self.fuse3x3(torch.cat([first3, first5], dim=1)))  # (B, h, H, W)
        second = F.relu(self.fuse5x5(torch.cat([second3, second5], dim=1)))
        return self.project_out(torch.cat([first, second], dim=1))
