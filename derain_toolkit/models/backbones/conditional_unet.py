"""Conditional denoising U-Net of IR-SDE with DA-CLIP guidance (DA-CLIP paper Sec. V-B, Fig. 4).

A DDPM-style U-Net (Ho et al. 2020) as in the official IR-SDE / DA-CLIP code: the input
is ``cat(x_t − μ, μ)`` (the state's offset from the rainy image and the rainy image
itself, 6 channels), a sinusoidal time embedding through an MLP, two residual blocks per
level with the time embedding as scale/shift, strided-conv downsampling, nearest
upsampling, skip concatenation, and a noise prediction head. The network predicts the
noise of the IR-SDE state (see ``IRSDEGenerator``).

Choices, each a config option:
    * ``attention``: the paper "removes all self-attention layers" (default ``'none'``);
      the official code keeps channel-wise linear attention at every level
      (``'linear'``).
    * ``content_cross_attention``: cross-attention from the pixels of the deepest level
      (encoder and decoder) and of the middle block to the DA-CLIP content embedding as
      one token, residual with a zero-initialised output projection, so an untrained
      guidance leaves the network unchanged. The official code wraps it in a
      Stable-Diffusion ``SpatialTransformer`` that also holds self-attention; following
      the paper, this one has no self-attention.
    * ``degradation_prompt``: the prompt module of Fig. 4 as in the official code: a
      learned prompt of ``time_dim`` components is weighted by ``softmax(MLP(degradation
      embedding))`` over its components, projected by a linear layer and added to the
      time embedding.
"""
import math
from collections.abc import Sequence
from typing import Optional, Union

import torch
from torch import nn

from derain_toolkit.models.layers.padding import crop_to, pad_to_multiple
from derain_toolkit.registry import BACKBONES

_ATTENTION_TYPES = ('none', 'linear')


class _SinusoidalEmbedding(nn.Module):
    """Transformer sinusoidal embedding of a (B,) time step (DDPM)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        half = self.dim // 2
        freqs = torch.exp(torch.arange(half, device=t.device, dtype=torch.float32)
                          * (-math.log(10000) / (half - 1)))
        angles = t.float()[:, None] * freqs[None]  # (B, dim/2)
        return torch.cat([angles.sin(), angles.cos()], dim=-1)  # (B, dim)


class _ResBlock(nn.Module):
    """conv3 → (1 + scale, shift) from the time embedding → SiLU → conv3 → SiLU, plus a skip."""

    def __init__(self, dim_in: int, dim_out: int, time_dim: int) -> None:
        super().__init__()
        self.time_mlp = nn.Sequential(nn.SiLU(), nn.Linear(time_dim, dim_out * 2))
        self.conv1 = nn.Conv2d(dim_in, dim_out, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(dim_out, dim_out, 3, padding=1, bias=False)
        self.act = nn.SiLU()
        self.skip = nn.Conv2d(dim_in, dim_out, 1, bias=False) if dim_in != dim_out else nn.Identity()

    def forward(self, x: torch.Tensor, time_emb: torch.Tensor) -> torch.Tensor:
        scale, shift = self.time_mlp(time_emb)[:, :, None, None].chunk(2, dim=1)  # (B, C, 1, 1) each
        h = self.act(self.conv1(x) * (1 + scale) + shift)
        h = self.act(self.conv2(h))
        return h + self.skip(x)


class _ChannelNorm(nn.Module):
    """Layer norm over channels of (B, C, H, W) with a learned gain."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.gain = nn.Parameter(torch.ones(1, dim, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=1, keepdim=True)
        var = x.var(dim=1, unbiased=False, keepdim=True)
        return (x - mean) * torch.rsqrt(var + 1e-5) * self.gain


class _LinearAttention(nn.Module):
    """Residual linear attention (softmax over channels of q, over positions of k), O(HW)."""

    def __init__(self, dim: int, heads: int = 4, dim_head: int = 32) -> None:
        super().__init__()
        self.heads = heads
        self.scale = dim_head ** -0.5
        hidden = heads * dim_head
        self.norm = _ChannelNorm(dim)
        self.to_qkv = nn.Conv2d(dim, hidden * 3, 1, bias=False)
        self.to_out = nn.Sequential(nn.Conv2d(hidden, dim, 1), _ChannelNorm(dim))

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None) -> torch.Tensor:
        b, _, h, w = x.shape
        q, k, v = (part.reshape(b, self.heads, -1, h * w)
                   for part in self.to_qkv(self.norm(x)).chunk(3, dim=1))  # (B, heads, d, HW)
        q = q.softmax(dim=-2) * self.scale
        k = k.softmax(dim=-1)
        v = v / (h * w)
        summary = torch.einsum('bhdn,bhen->bhde', k, v)  # (B, heads, d, d)
        out = torch.einsum('bhde,bhdn->bhen', summary, q).reshape(b, -1, h, w)  # (B, hidden, H, W)
        return x + self.to_out(out)


class _ContentCrossAttention(nn.Module):
    """Residual cross-attention from pixels to context tokens, zero-initialised output projection.

    Args:
        dim: Channels of the feature map.
        context_dim: Width of the context tokens (the CLIP embedding dimension).
        heads: Attention heads.
        dim_head: Channels per head.
    """

    def __init__(self, dim: int, context_dim: int, heads: int = 4, dim_head: int = 32) -> None:
        super().__init__()
        self.heads = heads
        self.scale = dim_head ** -0.5
        hidden = heads * dim_head
        self.norm = _ChannelNorm(dim)
        self.to_q = nn.Conv2d(dim, hidden, 1, bias=False)
        self.to_k = nn.Linear(context_dim, hidden, bias=False)
        self.to_v = nn.Linear(context_dim, hidden, bias=False)
        self.to_out = nn.Conv2d(hidden, dim, 1)
        nn.init.zeros_(self.to_out.weight)
        nn.init.zeros_(self.to_out.bias)

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None) -> torch.Tensor:
        if context is None:
            return x
        b, _, h, w = x.shape
        q = self.to_q(self.norm(x)).reshape(b, self.heads, -1, h * w).transpose(-1, -2)  # (B, heads, HW, d)
        k = self.to_k(context).reshape(b, context.shape[1], self.heads, -1).transpose(1, 2)  # (B, heads, N, d)
        v = self.to_v(context).reshape(b, context.shape[1], self.heads, -1).transpose(1, 2)  # (B, heads, N, d)
        attn = (q @ k.transpose(-1, -2) * self.scale).softmax(dim=-1)  # (B, heads, HW, N)
        out = (attn @ v).transpose(-1, -2).reshape(b, -1, h, w)  # (B, hidden, H, W)
        return x + self.to_out(out)


class _Identity(nn.Module):
    """A no-op that accepts the ``context`` keyword of the attention slots."""

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None) -> torch.Tensor:
        return x


@BACKBONES.register_module()
class ConditionalUNet(nn.Module):
    """Noise predictor of IR-SDE, optionally guided by DA-CLIP embeddings.

    Args:
        in_channels: Image channels (the network reads ``2 * in_channels``).
        out_channels: Channels of the predicted noise.
        nf: Channels of the first level; the time embedding has ``4 * nf``.
        ch_mult: Channel multiplier of each level, shallowest first; ``len(ch_mult)`` levels
            with ``len(ch_mult) - 1`` downsamplings.
        attention: ``'none'`` (paper) or ``'linear'`` (official code) attention at every level.
        heads: Heads of the linear and cross attentions.
        dim_head: Channels per head.
        embed_dim: Width of the DA-CLIP embeddings (512 for ViT-B-32).
        content_cross_attention: Cross-attend the content embedding in the deepest level and
            the middle block.
        degradation_prompt: Add the degradation-weighted prompt to the time embedding.
    """

    def __init__(self,
                 in_channels: int = 3,
                 out_channels: int = 3,
                 nf: int = 64,
                 ch_mult: Sequence[int] = (1, 2, 4, 8),
                 attention: str = 'none',
                 heads: int = 4,
                 dim_head: int = 32,
                 embed_dim: int = 512,
                 content_cross_attention: bool = False,
                 degradation_prompt: bool = False) -> None:
        super().__init__()
        if attention not in _ATTENTION_TYPES:
            raise ValueError(f'ConditionalUNet: attention must be one of {_ATTENTION_TYPES}, got {attention!r}')
        self.depth = len(ch_mult)
        self.content_cross_attention = content_cross_attention
        self.degradation_prompt = degradation_prompt
        time_dim = nf * 4

        def attention_slot(dim: int, deepest: bool) -> nn.Module:
            if deepest and content_cross_attention:
                return _ContentCrossAttention(dim, embed_dim, heads, dim_head)
            if attention == 'linear':
                return _LinearAttention(dim, heads, dim_head)
            return _Identity()

        self.init_conv = nn.Conv2d(in_channels * 2, nf, 7, padding=3, bias=False)
        self.time_mlp = nn.Sequential(_SinusoidalEmbedding(nf), nn.Linear(nf, time_dim), nn.GELU(),
                                      nn.Linear(time_dim, time_dim))
        if degradation_prompt:
            self.prompt = nn.Parameter(torch.rand(1, time_dim))
            self.degradation_mlp = nn.Sequential(nn.Linear(embed_dim, time_dim), nn.SiLU(),
                                                 nn.Linear(time_dim, time_dim))
            self.prompt_proj = nn.Linear(time_dim, time_dim)

        mults = [1] + list(ch_mult)
        self.downs = nn.ModuleList()
        self.ups = nn.ModuleList()
        for i in range(self.depth):
            dim_in, dim_out = nf * mults[i], nf * mults[i + 1]
            deepest = i == self.depth - 1
            self.downs.append(nn.ModuleList([
                _ResBlock(dim_in, dim_in, time_dim),
                _ResBlock(dim_in, dim_in, time_dim),
                attention_slot(dim_in, deepest),
                nn.Conv2d(dim_in, dim_out, 3, padding=1, bias=False) if deepest
                else nn.Conv2d(dim_in, dim_out, 4, stride=2, padding=1),
            ]))
            self.ups.insert(0, nn.ModuleList([
                _ResBlock(dim_out + dim_in, dim_out, time_dim),
                _ResBlock(dim_out + dim_in, dim_out, time_dim),
                attention_slot(dim_out, deepest),
                nn.Conv2d(dim_out, dim_in, 3, padding=1, bias=False) if i == 0
                else nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'), nn.Conv2d(dim_out, dim_in, 3, padding=1)),
            ]))
        mid_dim = nf * mults[-1]
        self.mid_block1 = _ResBlock(mid_dim, mid_dim, time_dim)
        self.mid_attn = attention_slot(mid_dim, True)
        self.mid_block2 = _ResBlock(mid_dim, mid_dim, time_dim)
        self.final_block = _ResBlock(nf * 2, nf, time_dim)
        self.final_conv = nn.Conv2d(nf, out_channels, 3, padding=1)

    def _check_guidance(self, content: Optional[torch.Tensor], degradation: Optional[torch.Tensor]) -> None:
        if self.content_cross_attention and content is None:
            raise ValueError('ConditionalUNet(content_cross_attention=True) needs the DA-CLIP content embedding: '
                             "give the generator daclip=dict(type='DACLIP', ...) or set content_cross_attention=False")
        if self.degradation_prompt and degradation is None:
            raise ValueError('ConditionalUNet(degradation_prompt=True) needs the DA-CLIP degradation embedding: '
                             "give the generator daclip=dict(type='DACLIP', ...) or set degradation_prompt=False")

    def forward(self,
                x_t: torch.Tensor,
                mu: torch.Tensor,
                t: Union[torch.Tensor, int],
                content: Optional[torch.Tensor] = None,
                degradation: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Predict the noise of the IR-SDE state.

        Args:
            x_t: State (B, 3, H, W).
            mu: Rainy image, the SDE mean (B, 3, H, W).
            t: Time step, LongTensor (B,) or an int.
            content: DA-CLIP content embedding (B, embed_dim) or tokens (B, N, embed_dim).
            degradation: DA-CLIP degradation embedding (B, embed_dim).

        Returns:
            Predicted noise (B, out_channels, H, W).
        """
        self._check_guidance(content, degradation)
        if not torch.is_tensor(t) or t.dim() == 0:
            t = torch.full((x_t.shape[0],), int(t), device=x_t.device)
        x, size = pad_to_multiple(torch.cat([x_t - mu, mu], dim=1), 2 ** (self.depth - 1))  # (B, 6, H', W')
        x = self.init_conv(x)
        x_init = x
        time_emb = self.time_mlp(t)  # (B, 4 nf)
        if self.degradation_prompt:
            weights = torch.softmax(self.degradation_mlp(degradation.to(x.dtype)), dim=1)  # (B, 4 nf)
            time_emb = time_emb + self.prompt_proj(weights * self.prompt)
        context = None
        if self.content_cross_attention:
            context = content.to(x.dtype)
            context = context[:, None] if context.dim() == 2 else context  # (B, N, embed_dim)

        skips = []
        for block1, block2, attn, down in self.downs:
            x = block1(x, time_emb)
            skips.append(x)
            x = attn(block2(x, time_emb), context=context)
            skips.append(x)
            x = down(x)
        x = self.mid_block2(self.mid_attn(self.mid_block1(x, time_emb), context=context), time_emb)
        for block1, block2, attn, up in self.ups:
            x = block1(torch.cat([x, skips.pop()], dim=1), time_emb)
            x = block2(torch.cat([x, skips.pop()], dim=1), time_emb)
            x = up(attn(x, context=context))
        x = self.final_block(torch.cat([x, x_init], dim=1), time_emb)
        return crop_to(self.final_conv(x), size)
