"""The Restormer transformer block with its attention and feed-forward injected by config.

Restormer (Zamir et al., CVPR 2022), Sec. 3: ``x = x + Attn(LN(x)); x = x + FFN(LN(x))``.
MDTA/GDFN are the defaults; DDSA, SEFN and any plugin part swap in through
``attn=dict(type=...)`` and ``ffn=dict(type=...)``.
"""
import copy

import torch
from torch import nn

from derain_toolkit.models.layers.layer_norm import LayerNorm2d
from derain_toolkit.models.layers.recomputable import Recomputable
from derain_toolkit.registry import ATTENTION, FEEDFORWARDS


class TransformerBlock(Recomputable):
    """Pre-norm residual block: attention then feed-forward.

    Args:
        dim: Channels.
        num_heads: Attention heads, passed to the attention part.
        ffn_expansion_factor: Hidden width ratio, passed to the feed-forward part.
        bias: Whether convolutions inside the parts have biases.
        layernorm_type: ``'WithBias'`` or ``'BiasFree'``.
        attn: Config of a part in ``ATTENTION``; ``dim`` is filled in, and ``num_heads`` and
            ``bias`` unless the config sets them.
        ffn: Config of a part in ``FEEDFORWARDS``; ``dim`` is filled in, and
            ``expansion_factor`` and ``bias`` unless the config sets them.
    """

    def __init__(self, dim: int, num_heads: int, ffn_expansion_factor: float, bias: bool,
                 layernorm_type: str, attn: dict, ffn: dict) -> None:
        super().__init__()
        if layernorm_type not in ('WithBias', 'BiasFree'):
            raise ValueError(f"layernorm_type must be 'WithBias' or 'BiasFree', got {layernorm_type!r}")
        with_bias = layernorm_type == 'WithBias'
        self.norm1 = LayerNorm2d(dim, bias=with_bias)
        self.attn = ATTENTION.build(dict(dict(num_heads=num_heads, bias=bias), **copy.deepcopy(attn), dim=dim))
        self.norm2 = LayerNorm2d(dim, bias=with_bias)
        self.ffn = FEEDFORWARDS.build(
            dict(dict(expansion_factor=ffn_expansion_factor, bias=bias), **copy.deepcopy(ffn), dim=dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.ffn(self.norm2(x))
