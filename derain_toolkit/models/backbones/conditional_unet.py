"""Conditional denoising U-Net of IR-SDE, optionally guided by DA-CLIP (DA-CLIP paper Sec. V-B, Fig. 4).

A DDPM-style U-Net (Ho et al. 2020) that predicts the noise of the IR-SDE state (see
``IRSDEGenerator``). It reads ``cat(x_t − μ, μ)`` (6 channels), embeds the time step
sinusoidally through an MLP, and runs ``len(ch_mult)`` levels of two residual blocks (time
embedding as scale/shift), an attention slot and a strided-conv downsampling (a 3x3 conv at
the deepest level), a middle block, and the mirrored decoder with skip concatenation and
nearest upsampling; a final residual block sees the first features again.

Official equivalence. With the paper configs the network is, weight for weight, the
official one (``checkpoint_converter`` maps the released keys, golden tests in
``tests/checkpoints/test_irsde_daclip_unet_import.py``):

* IR-SDE deraining: Algolzw/image-restoration-sde at 2598d73cde3a1e2cf78c4ba4923414e1f4b90393,
  ``codes/config/deraining/models/modules/DenoisingUNet_arch.py``, ``ConditionalUNet(in_nc=3,
  out_nc=3, nf=64, depth=4)`` = ``nf=64, ch_mult=(2, 4, 8, 16), attention='linear'`` here
  (the official level widths are ``nf * 2**(i+1)``), 137,147,523 parameters.
* DA-CLIP universal restoration: Algolzw/daclip-uir at c2cc14146faac85680b4cb39ece4ef9e2a7c7c24,
  ``universal-image-restoration/config/daclip-sde/models/modules/DenoisingUNet_arch.py``,
  ``ConditionalUNet(in_nc=3, out_nc=3, nf=64, ch_mult=[1, 2, 4, 8], context_dim=512,
  use_degra_context=True, use_image_context=True)`` = ``nf=64, ch_mult=(1, 2, 4, 8),
  attention='linear', embed_dim=512, content_cross_attention=True, degradation_prompt=True``
  here, 48,975,747 parameters.

Where the paper text and the official code differ, the toolkit follows the code:

* Attention: the paper "removes all self-attention layers"; the official networks have
  linear attention (``LinearAttention``) in every level's slot (``attention='linear'``;
  ``'none'`` gives the paper's text).
* Content guidance: the paper uses "cross-attention in the bottom blocks"; the official slot
  at levels ``i >= 3`` (encoder and decoder) and in the middle is a Stable-Diffusion
  ``SpatialTransformer`` (self-attention, cross-attention to the content embedding as one
  token, gated feed-forward), levels 0-2 keep linear attention.
* Every slot is pre-norm residual, ``x + block(LN(x))`` with the gain-only
  ``ChannelLayerNorm`` (official ``Residual(PreNorm(...))``); the ``SpatialTransformer`` adds
  its own residual on the normalised input, as officially.
* Degradation guidance (the prompt module of Fig. 4): ``softmax(MLP(e_d))`` weights a learned
  prompt of ``4 nf`` components, a linear layer projects it, and the result is added to the
  time embedding.
* The input is reflect-padded on the bottom/right to a multiple of ``2**len(ch_mult)`` and the
  output cropped back (one more factor of 2 than the downsamplings need, as officially).

Unlike the official network, missing guidance is an error rather than silently skipped.
"""
import math
from collections.abc import Sequence
from typing import Optional, Union

import torch
from torch import nn

from derain_toolkit.models.layers.channel_layer_norm import ChannelLayerNorm
from derain_toolkit.models.layers.linear_attention import LinearAttention
from derain_toolkit.models.layers.open_clip_loader import TINY_CLIP
from derain_toolkit.models.layers.padding import crop_to, pad_to_multiple
from derain_toolkit.models.layers.recomputable import Recomputable
from derain_toolkit.models.layers.spatial_transformer import SpatialTransformer
from derain_toolkit.registry import BACKBONES

_ATTENTION_TYPES = ('none', 'linear')


class _SinusoidalEmbedding(nn.Module):
    """Transformer sinusoidal embedding ``[sin(t ω_k), cos(t ω_k)]`` of a float (B,) time step (DDPM)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        half = self.dim // 2
        freqs = torch.exp(torch.arange(half, device=t.device, dtype=t.dtype) * (-math.log(10000) / (half - 1)))
        angles = t[:, None] * freqs[None]  # (B, dim/2)
        return torch.cat([angles.sin(), angles.cos()], dim=-1)  # (B, dim)


class _ResBlock(Recomputable):
    """conv3 → (1 + scale, shift) from the time embedding → SiLU → conv3 → SiLU, plus a (1x1) skip."""

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


class _AttentionSlot(Recomputable):
    """Pre-norm residual attention ``x + attn(LN(x))``; the ``SpatialTransformer`` also reads the context."""

    def __init__(self, dim: int, attn: nn.Module) -> None:
        super().__init__()
        self.norm = ChannelLayerNorm(dim)
        self.attn = attn
        self.reads_context = isinstance(attn, SpatialTransformer)

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor]) -> torch.Tensor:
        y = self.norm(x)
        return x + (self.attn(y, context) if self.reads_context else self.attn(y))


class _NoAttention(nn.Module):
    """An empty slot (``attention='none'``)."""

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor]) -> torch.Tensor:
        return x


@BACKBONES.register_module()
class ConditionalUNet(nn.Module):
    """Noise predictor of IR-SDE, optionally guided by DA-CLIP embeddings.

    Args:
        in_channels: Image channels (the network reads ``2 * in_channels``).
        out_channels: Channels of the predicted noise.
        nf: Channels of the stem; the time embedding has ``4 * nf``.
        ch_mult: Output width of each level in units of ``nf``, shallowest first; level ``i``
            runs at ``nf * ([1] + ch_mult)[i]`` channels. ``len(ch_mult)`` levels with
            ``len(ch_mult) - 1`` downsamplings.
        attention: Attention slot of every level and the middle: ``'linear'`` (official) or
            ``'none'`` (paper text).
        heads: Heads of the linear attention (official 4, whatever the width).
        dim_head: Channels per head of the linear attention (official 32).
        embed_dim: Width of the DA-CLIP embeddings (512 for ViT-B-32).
        content_cross_attention: Put a ``SpatialTransformer`` that cross-attends the content
            embedding in the slots of levels ``>= transformer_from_level`` and the middle.
        transformer_from_level: First level with a ``SpatialTransformer`` (official 3).
        transformer_head_channels: Channels per head of the ``SpatialTransformer``; a slot of
            width C has ``C // transformer_head_channels`` heads (official 32).
        transformer_groups: GroupNorm groups of the ``SpatialTransformer`` (official 32).
        degradation_prompt: Add the degradation-weighted prompt to the time embedding.
    """

    @staticmethod
    def tiny_overrides(cfg: dict) -> dict:
        """The smoke budgets' variant: ``nf=8``, one head of 8 channels, the embedding width of the
        tiny CLIP (DA-CLIP's embeddings must fit it)."""
        return dict(nf=8, heads=1, dim_head=8, embed_dim=TINY_CLIP['embed_dim'])

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
                 transformer_from_level: int = 3,
                 transformer_head_channels: int = 32,
                 transformer_groups: int = 32,
                 degradation_prompt: bool = False) -> None:
        super().__init__()
        if attention not in _ATTENTION_TYPES:
            raise ValueError(f'ConditionalUNet: attention must be one of {_ATTENTION_TYPES}, got {attention!r}')
        self.depth = len(ch_mult)
        self.pad_multiple = 2**self.depth
        self.content_cross_attention = content_cross_attention
        self.degradation_prompt = degradation_prompt
        time_dim = nf * 4

        def attention_slot(dim: int, transformer: bool) -> nn.Module:
            if transformer:
                return _AttentionSlot(dim, SpatialTransformer(dim, dim // transformer_head_channels,
                                                              transformer_head_channels, embed_dim,
                                                              groups=transformer_groups))
            if attention == 'linear':
                return _AttentionSlot(dim, LinearAttention(dim, heads, dim_head))
            return _NoAttention()

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
            transformer = content_cross_attention and i >= transformer_from_level
            self.downs.append(nn.ModuleList([
                _ResBlock(dim_in, dim_in, time_dim),
                _ResBlock(dim_in, dim_in, time_dim),
                attention_slot(dim_in, transformer),
                nn.Conv2d(dim_in, dim_out, 3, padding=1, bias=False) if deepest
                else nn.Conv2d(dim_in, dim_out, 4, stride=2, padding=1),
            ]))
            self.ups.insert(0, nn.ModuleList([
                _ResBlock(dim_out + dim_in, dim_out, time_dim),
                _ResBlock(dim_out + dim_in, dim_out, time_dim),
                attention_slot(dim_out, transformer),
                nn.Conv2d(dim_out, dim_in, 3, padding=1, bias=False) if i == 0
                else nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'),
                                   nn.Conv2d(dim_out, dim_in, 3, padding=1)),
            ]))
        mid_dim = nf * mults[-1]
        self.mid_block1 = _ResBlock(mid_dim, mid_dim, time_dim)
        self.mid_attn = attention_slot(mid_dim, content_cross_attention)
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
                t: Union[torch.Tensor, int, float],
                content: Optional[torch.Tensor] = None,
                degradation: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Predict the noise of the IR-SDE state.

        The official call ``model(xt, cond, t, text_context=e_d, image_context=e_c)`` is
        ``forward(xt, cond, t, content=e_c, degradation=e_d)``.

        Args:
            x_t: State (B, 3, H, W).
            mu: Rainy image, the SDE mean (B, 3, H, W).
            t: Time step: a number, or a tensor of B (or 1) steps, integer or float.
            content: DA-CLIP content (image) embedding (B, embed_dim), or tokens (B, N, embed_dim).
            degradation: DA-CLIP degradation embedding (B, embed_dim).

        Returns:
            Predicted noise (B, out_channels, H, W).
        """
        self._check_guidance(content, degradation)
        x, size = pad_to_multiple(torch.cat([x_t - mu, mu], dim=1), self.pad_multiple)  # (B, 6, H', W')
        x = self.init_conv(x)
        x_init = x
        t = torch.as_tensor(t, device=x.device).reshape(-1)  # (B,) or (1,)
        time_emb = self.time_mlp(t.to(self.time_mlp[1].weight.dtype))  # (B, 4 nf)
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
            x = attn(block2(x, time_emb), context)
            skips.append(x)
            x = down(x)
        x = self.mid_block2(self.mid_attn(self.mid_block1(x, time_emb), context), time_emb)
        for block1, block2, attn, up in self.ups:
            x = block1(torch.cat([x, skips.pop()], dim=1), time_emb)
            x = block2(torch.cat([x, skips.pop()], dim=1), time_emb)
            x = up(attn(x, context))
        x = self.final_block(torch.cat([x, x_init], dim=1), time_emb)
        return crop_to(self.final_conv(x), size)
