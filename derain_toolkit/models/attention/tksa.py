"""Top-k sparse attention (TKSA) of DRSformer.

DRSformer (Chen et al., "Learning A Sparse Transformer Network for Effective Image
Deraining", CVPR 2023), Sec. 3.2 "Sparse Transformer Block", TKSA. Q, K, V and the
channel-to-channel logits ``P = temperature * q̂ k̂ᵀ`` are MDTA's (L2-normalised over the
pixels, one learnable temperature per head), so TKSA extends :class:`MDTA` and shares its
parameter names. Each row of ``P`` (a ``d x d`` map per head, ``d = C / heads``) keeps
its ``k`` largest logits, the others are set to ``-inf`` before the softmax, for four
values of ``k``: ``int(d/2), int(2d/3), int(3d/4), int(4d/5)``. The four sparse maps are
mixed by four learnable scalars (initialised to 0.2) and applied to V:
``out = sum_i w_i softmax(M_{k_i}(P)) V``.

Official code: cschenxiang/DRSformer at e77bbb4ecc59aaa2cd170a0f8f65b188a9dd77c6,
``basicsr/models/archs/DRSformer_arch.py``, class ``Attention`` (keys ``attn1..attn4``
are :attr:`branch_weights` here; ``checkpoints/converters/drsformer.py`` stacks them).
The official forward multiplies each map by V and then mixes the four outputs; the
weighted maps are summed first here (one product with V instead of four, the same
function up to float rounding; checked against the official outputs in
``tests/models/backbones/test_drsformer.py``). Kept entries come from ``torch.topk``
indices, as in the official code, so exactly ``k`` entries survive even with ties.
"""
from collections.abc import Sequence

import torch
from torch import nn

from derain_toolkit.models.attention.mdta import MDTA
from derain_toolkit.models.layers.topk import topk_size
from derain_toolkit.registry import ATTENTION


def _topk_softmax(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Softmax over the ``k`` largest entries of each row of ``logits``; the others get weight 0."""
    index = logits.topk(k, dim=-1).indices  # (B, heads, d, k)
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, index, torch.ones_like(index, dtype=torch.bool))
    return logits.masked_fill(~keep, float('-inf')).softmax(dim=-1)


@ATTENTION.register_module()
class TKSA(MDTA):
    """Args:
        dim: Channels.
        num_heads: Heads; ``dim`` must be divisible by it.
        bias: Biases in the convolutions.
        topk_ratios: The fractions of each row kept by the sparse maps, in (0, 1];
            ``k = floor(ratio * d)`` (at least 1), each ratio read as the nearest fraction
            with a denominator up to 1000. DRSformer: 1/2, 2/3, 3/4, 4/5.
        branch_weight_init: Initial value of the learnable weight of each map (0.2).
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 bias: bool = False,
                 topk_ratios: Sequence[float] = (1 / 2, 2 / 3, 3 / 4, 4 / 5),
                 branch_weight_init: float = 0.2) -> None:
        super().__init__(dim, num_heads, bias)
        if not topk_ratios or not all(0 < ratio <= 1 for ratio in topk_ratios):
            raise ValueError(f'TKSA topk_ratios must be fractions in (0, 1], got {list(topk_ratios)}; '
                             'DRSformer uses (1/2, 2/3, 3/4, 4/5).')
        head_dim = dim // num_heads
        self.topks = [topk_size(ratio, head_dim) for ratio in topk_ratios]
        self.branch_weights = nn.Parameter(torch.full((len(self.topks), ), branch_weight_init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv_heads(x)  # each (B, heads, d, H*W)
        logits = self.attention_logits(q, k)  # (B, heads, d, d)
        attn = sum(weight * _topk_softmax(logits, topk) for weight, topk in zip(self.branch_weights, self.topks))
        return self.project_out((attn @ v).reshape(x.shape))
