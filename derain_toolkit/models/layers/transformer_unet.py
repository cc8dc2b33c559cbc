"""A U-Net of transformer blocks whose encoder and decoder run as two calls.

NeRD-Rain (Chen et al., CVPR 2024), Sec. 3.1: every scale of its multi-scale network is one
or more such U-Nets (official ``model.py``: ``encoder_level1_*``, ``down1_2_*``,
``encoder_level2_*``, ``down2_3_*``, ``latent_*``, ``up3_2_*``, ``reduce_chan_level2_*``,
``decoder_level2_*``, ``up2_1_*``, ``reduce_chan_level1_*``, ``decoder_level1_*``).
Restormer's levels (pixel-(un)shuffle resampling, skip concatenation), but every decoder
level reduces its concatenation back to the level's width with a 1x1 conv and there is no
refinement stage. The split into :meth:`encode` and :meth:`decode` lets the caller change
the latent in between (NeRD-Rain adds the fused latents of the finer scale).
"""
from collections.abc import Sequence
from typing import Optional

import torch
from torch import nn

from derain_toolkit.models.layers.sampling import Downsample, Upsample
from derain_toolkit.models.layers.transformer_block import TransformerBlock


class TransformerUNet(nn.Module):
    """Args:
        dim: Channels of the first level; level ``i`` has ``dim * 2**i``.
        num_blocks: Transformer blocks per level, shallowest first, the last the bottleneck
            (the decoder level ``i`` repeats ``num_blocks[i]``).
        heads: Attention heads per level.
        ffn_expansion_factor: Hidden width ratio of the feed-forward parts.
        bias: Biases in the blocks' convolutions and the skip reductions.
        layernorm_type: ``'WithBias'`` or ``'BiasFree'``.
        attn: ``ATTENTION`` config of every block.
        ffn: ``FEEDFORWARDS`` config of every block.
    """

    def __init__(self, dim: int, num_blocks: Sequence[int], heads: Sequence[int], ffn_expansion_factor: float,
                 bias: bool, layernorm_type: str, attn: dict, ffn: dict) -> None:
        super().__init__()
        if len(num_blocks) != len(heads) or len(num_blocks) < 2:
            raise ValueError('TransformerUNet: num_blocks and heads need the same length >= 2 (one per level), '
                             f'got num_blocks={list(num_blocks)}, heads={list(heads)}')
        levels = len(num_blocks)

        def stage(level: int) -> nn.Sequential:
            return nn.Sequential(*[
                TransformerBlock(dim * 2**level, heads[level], ffn_expansion_factor, bias, layernorm_type, attn, ffn)
                for _ in range(num_blocks[level])
            ])

        self.encoders = nn.ModuleList(stage(i) for i in range(levels - 1))
        self.downs = nn.ModuleList(Downsample(dim * 2**i) for i in range(levels - 1))
        self.latent = stage(levels - 1)
        # Decoder modules are indexed by the level they produce, deepest first at run time.
        self.ups = nn.ModuleList(Upsample(dim * 2**(i + 1)) for i in range(levels - 1))
        self.reduces = nn.ModuleList(
            nn.Conv2d(dim * 2**(i + 1), dim * 2**i, kernel_size=1, bias=bias) for i in range(levels - 1))
        self.decoders = nn.ModuleList(stage(i) for i in range(levels - 1))

    def encode(self, feat: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``feat`` (B, dim, H, W) -> the latent (B, dim * 2**(L-1), H / 2**(L-1), W / 2**(L-1)) and the skips."""
        skips = []
        for encoder, down in zip(self.encoders, self.downs):
            feat = encoder(feat)
            skips.append(feat)
            feat = down(feat)
        return self.latent(feat), skips

    def decode(self, latent: torch.Tensor, skips: list[torch.Tensor],
               reduces: Optional[Sequence[nn.Module]] = None) -> torch.Tensor:
        """The decoder: (B, dim * 2**(L-1), h, w) -> (B, dim, h * 2**(L-1), w * 2**(L-1)).

        Args:
            latent: The bottleneck features (from :meth:`encode`, possibly modified).
            skips: The encoder features of :meth:`encode`.
            reduces: The skip reductions to use per level (default this U-Net's own).
        """
        reduces = self.reduces if reduces is None else reduces
        feat = latent
        for i in range(len(self.decoders) - 1, -1, -1):
            feat = torch.cat([self.ups[i](feat), skips[i]], dim=1)  # (B, dim * 2**(i+1), ...)
            feat = self.decoders[i](reduces[i](feat))
        return feat
