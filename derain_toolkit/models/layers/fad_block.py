"""FADformer's block with its token mixer and feed-forward injected by config.

FADformer (Gao et al., ECCV 2024), the FAD block (official ``models/FADformer.py``,
``FADBlock``): ``x = x + Mixer(BN(x)); x, prior = x + FFN(BN(x), prior)``. The FFCM and the
PGFN are the defaults; any ``ATTENTION`` part that takes ``dim`` (and whatever else its config
sets) fits the mixer slot, and a feed-forward part without ``prior_gated`` (e.g. GDFN) is
called on the features alone, the prior passed through unchanged.
"""
import copy

import torch
from torch import nn

from derain_toolkit.registry import ATTENTION, FEEDFORWARDS


class FADBlock(nn.Module):
    """Pre-norm (BatchNorm) residual block: token mixer, then the prior-gated feed-forward.

    Args:
        dim: Channels.
        mixer: Config of a part in ``ATTENTION``; ``dim`` is filled in.
        ffn: Config of a part in ``FEEDFORWARDS``; ``dim`` is filled in.
    """

    def __init__(self, dim: int, mixer: dict, ffn: dict) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(dim)
        self.mixer = ATTENTION.build(dict(copy.deepcopy(mixer), dim=dim))
        self.norm2 = nn.BatchNorm2d(dim)
        self.ffn = FEEDFORWARDS.build(dict(copy.deepcopy(ffn), dim=dim))
        self.prior_gated = getattr(self.ffn, 'prior_gated', False)

    def forward(self, x: torch.Tensor, prior: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Features (B, C, H, W) and prior (B, 1, H, W) in, both updated out."""
        x = x + self.mixer(self.norm1(x))
        if not self.prior_gated:
            return x + self.ffn(self.norm2(x)), prior
        update, prior = self.ffn(self.norm2(x), prior)
        return x + update, prior
