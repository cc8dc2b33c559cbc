"""Bottom-level transformer block of the DA-CLIP restoration U-Net (DA-CLIP paper Sec. V-B, Fig. 4).

Official source: Algolzw/daclip-uir at c2cc14146faac85680b4cb39ece4ef9e2a7c7c24,
``universal-image-restoration/config/daclip-sde/models/modules/attention.py``, classes
``SpatialTransformer``, ``BasicTransformerBlock``, ``CrossAttention``, ``FeedForward``
(``glu=True``: ``GEGLU``), the Stable-Diffusion (latent diffusion) block.

The paper says the content embedding enters "the bottom blocks of the U-Net" by
cross-attention and that the U-Net has no self-attention; the official block, which the
toolkit follows (the released weights need it), also holds a self-attention over the pixels
and a gated feed-forward:

    y = proj_in(GroupNorm(x))                                   (B, HW, inner)
    y = y + SelfAttn(LN1(y));  y = y + CrossAttn(LN2(y), c);  y = y + FF(LN3(y))
    out = x + proj_out(y)                                       (B, C, H, W)

with ``c`` the context tokens (the content embedding as one token), ``FF(y) = W2 (a · GELU(g))``
where ``(a, g) = W1 y`` (GEGLU, hidden width 4·inner), GroupNorm eps 1e-6, and ``proj_out``
zero-initialised so that an untrained block is the identity. The official blocks run under
gradient checkpointing (recompute in backward) and hold dropout 0; neither changes the
function, and neither is reproduced.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn


class _Attention(nn.Module):
    """Multi-head attention from (B, N, dim) queries to (B, M, context_dim) keys/values (self if no context)."""

    def __init__(self, dim: int, heads: int, dim_head: int, context_dim: Optional[int] = None) -> None:
        super().__init__()
        inner = heads * dim_head
        self.heads = heads
        self.scale = dim_head ** -0.5
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim or dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim or dim, inner, bias=False)
        self.to_out = nn.Linear(inner, dim)

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None) -> torch.Tensor:
        context = x if context is None else context
        q, k, v = (proj(src).unflatten(-1, (self.heads, -1)).transpose(1, 2)
                   for proj, src in ((self.to_q, x), (self.to_k, context), (self.to_v, context)))  # (B, heads, N|M, d)
        out = F.scaled_dot_product_attention(q, k, v, scale=self.scale)  # (B, heads, N, d)
        return self.to_out(out.transpose(1, 2).flatten(2))  # (B, N, dim)


class _GatedFeedForward(nn.Module):
    """GEGLU feed-forward: ``proj_out(a · GELU(g))`` with ``(a, g) = proj_in(x)``."""

    def __init__(self, dim: int, mult: int = 4) -> None:
        super().__init__()
        self.proj_in = nn.Linear(dim, dim * mult * 2)
        self.proj_out = nn.Linear(dim * mult, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        value, gate = self.proj_in(x).chunk(2, dim=-1)
        return self.proj_out(value * F.gelu(gate))


class _TransformerBlock(nn.Module):
    """Pre-norm self-attention, cross-attention to the context, gated feed-forward; each residual."""

    def __init__(self, dim: int, heads: int, dim_head: int, context_dim: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.self_attn = _Attention(dim, heads, dim_head)
        self.norm2 = nn.LayerNorm(dim)
        self.cross_attn = _Attention(dim, heads, dim_head, context_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = _GatedFeedForward(dim)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = x + self.self_attn(self.norm1(x))
        x = x + self.cross_attn(self.norm2(x), context)
        return x + self.ff(self.norm3(x))


class SpatialTransformer(nn.Module):
    """Transformer over the pixels of (B, C, H, W) with cross-attention to context tokens.

    Args:
        dim: Channels of the feature map.
        heads: Attention heads (official: ``dim // 32``).
        dim_head: Channels per head (official: 32).
        context_dim: Width of the context tokens (the CLIP embedding width, 512 for ViT-B-32).
        groups: Groups of the input GroupNorm (official: 32; ``dim`` must be divisible by it).
        depth: Transformer blocks (official: 1).
    """

    def __init__(self, dim: int, heads: int, dim_head: int, context_dim: int, groups: int = 32,
                 depth: int = 1) -> None:
        super().__init__()
        if heads < 1 or dim % groups:
            raise ValueError(f'SpatialTransformer: needs at least one head and dim divisible by groups; got dim={dim}, '
                             f'heads={heads}, groups={groups}. Widen the network (nf) or lower the ConditionalUNet '
                             'options transformer_head_channels / transformer_groups.')
        inner = heads * dim_head
        self.norm = nn.GroupNorm(groups, dim, eps=1e-6)
        self.proj_in = nn.Conv2d(dim, inner, 1)
        self.blocks = nn.ModuleList(_TransformerBlock(inner, heads, dim_head, context_dim) for _ in range(depth))
        self.proj_out = nn.Conv2d(inner, dim, 1)
        nn.init.zeros_(self.proj_out.weight)
        nn.init.zeros_(self.proj_out.bias)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """``x`` (B, C, H, W), ``context`` (B, M, context_dim) -> (B, C, H, W)."""
        _, _, h, w = x.shape
        y = self.proj_in(self.norm(x)).flatten(2).transpose(1, 2)  # (B, HW, inner)
        for block in self.blocks:
            y = block(y, context)
        y = y.transpose(1, 2).unflatten(2, (h, w))  # (B, inner, H, W)
        return x + self.proj_out(y)
