"""A router with a single branch: the "w/o RPN" rows of CLIP-RPN Table 10.

Every sample goes to branch 0, so a CLIP-RPN network built with it has one MGCA
sub-network per level and no CLIP model at all.
"""
import torch
from torch import nn

from derain_toolkit.registry import ROUTERS


@ROUTERS.register_module()
class NoRouter(nn.Module):
    """Route every sample to branch 0 (``num_branches == 1``)."""

    num_branches = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return zeros, a LongTensor (B,) on ``x``'s device."""
        return torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
