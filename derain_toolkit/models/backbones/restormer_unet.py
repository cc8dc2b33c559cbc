"""Restormer-style U-Net with injectable attention and feed-forward parts.

Restormer (Zamir et al., CVPR 2022), Sec. 3 and Fig. 2; CLIP-RPN Table 4 uses it as the
baseline (26.10M parameters). Encoder levels at ``dim * 2**i`` channels joined by
pixel-unshuffle downsampling, a mirrored decoder with skip concatenation (1x1 channel
reduction on every level but the first), refinement blocks at ``2 * dim`` and a global
residual: the output is ``input + learned residual``.

The attention and feed-forward of every block come from ``attn``/``ffn`` configs, so
DDSA, SEFN or a plugin replaces MDTA/GDFN without touching this file. A ``neck``
callable passed to :meth:`RestormerUNet.forward` transforms the decoder feature right
before each upsampling step (CLIP-RPN's MGCA sub-networks, Sec. 3.3).
"""
from collections.abc import Callable, Sequence
from typing import Optional

import torch
from torch import nn

from derain_toolkit.models.layers.padding import crop_to, pad_to_multiple
from derain_toolkit.models.layers.sampling import Downsample, Upsample
from derain_toolkit.models.layers.transformer_block import TransformerBlock
from derain_toolkit.registry import BACKBONES

Neck = Callable[[int, torch.Tensor], torch.Tensor]


@BACKBONES.register_module()
class RestormerUNet(nn.Module):
    """Args:
        inp_channels: Input image channels.
        out_channels: Output image channels (equal to ``inp_channels`` for the residual).
        dim: Channels of the first level.
        num_blocks: Blocks per encoder level, shallowest first; the last entry is the
            bottleneck. The decoder mirrors the encoder. Its length is the number of
            levels (4 in Restormer), so inputs are padded to ``2**(levels-1)``.
        num_refinement_blocks: Blocks after the decoder, at ``2 * dim`` channels.
        heads: Attention heads per level, same length as ``num_blocks``.
        ffn_expansion_factor: Hidden width ratio of the feed-forward parts.
        bias: Biases in the convolutions of the blocks and the skip reductions.
        layernorm_type: ``'WithBias'`` or ``'BiasFree'``.
        attn: ``ATTENTION`` config used in every block.
        ffn: ``FEEDFORWARDS`` config used in every block.
        refinement_heads: Heads of the refinement blocks (default ``heads[0]``).
    """

    @staticmethod
    def tiny_levels(cfg: dict) -> dict:
        """The U-Net part of every tiny variant of the family: width 8, one block per level
        (the number of levels kept), at most 2 heads per level."""
        return dict(dim=8, num_blocks=tuple(1 for _ in cfg.get('num_blocks', (4, 6, 6, 8))),
                    heads=tuple(min(2, h) for h in cfg.get('heads', (1, 2, 4, 8))))

    @classmethod
    def tiny_overrides(cls, cfg: dict) -> dict:
        """The smoke budgets' variant of ``cfg``: :meth:`tiny_levels`, at most one refinement
        block (of at most 2 heads); the attention and feed-forward types are kept, so
        ablations survive."""
        overrides = dict(cls.tiny_levels(cfg), num_refinement_blocks=min(1, cfg.get('num_refinement_blocks', 4)))
        if cfg.get('refinement_heads') is not None:
            overrides['refinement_heads'] = min(2, cfg['refinement_heads'])
        return overrides

    def __init__(self,
                 inp_channels: int = 3,
                 out_channels: int = 3,
                 dim: int = 48,
                 num_blocks: Sequence[int] = (4, 6, 6, 8),
                 num_refinement_blocks: int = 4,
                 heads: Sequence[int] = (1, 2, 4, 8),
                 ffn_expansion_factor: float = 2.66,
                 bias: bool = False,
                 layernorm_type: str = 'WithBias',
                 attn: Optional[dict] = None,
                 ffn: Optional[dict] = None,
                 refinement_heads: Optional[int] = None) -> None:
        super().__init__()
        if len(num_blocks) != len(heads) or len(num_blocks) < 2:
            raise ValueError('RestormerUNet: num_blocks and heads need the same length >= 2 (one per level), '
                             f'got num_blocks={list(num_blocks)}, heads={list(heads)}')
        if inp_channels != out_channels:
            raise ValueError(f'RestormerUNet adds the input to its output: inp_channels ({inp_channels}) '
                             f'must equal out_channels ({out_channels})')
        attn = attn if attn is not None else dict(type='MDTA')
        ffn = ffn if ffn is not None else dict(type='GDFN')
        levels = len(num_blocks)
        self.pad_multiple = 2**(levels - 1)

        def stage(channels: int, depth: int, num_heads: int) -> nn.Sequential:
            return nn.Sequential(*[
                TransformerBlock(channels, num_heads, ffn_expansion_factor, bias, layernorm_type, attn, ffn)
                for _ in range(depth)
            ])

        self.patch_embed = nn.Conv2d(inp_channels, dim, kernel_size=3, padding=1, bias=bias)
        self.encoders = nn.ModuleList(
            stage(dim * 2**i, num_blocks[i], heads[i]) for i in range(levels - 1))
        self.downs = nn.ModuleList(Downsample(dim * 2**i) for i in range(levels - 1))
        self.latent = stage(dim * 2**(levels - 1), num_blocks[-1], heads[-1])
        # Decoder modules are indexed by the level they produce, deepest first at run time.
        self.ups = nn.ModuleList(Upsample(dim * 2**(i + 1)) for i in range(levels - 1))
        self.reduces = nn.ModuleList(
            nn.Identity() if i == 0 else nn.Conv2d(dim * 2**(i + 1), dim * 2**i, kernel_size=1, bias=bias)
            for i in range(levels - 1))
        self.decoders = nn.ModuleList(
            stage(dim * 2**max(i, 1), num_blocks[i], heads[i]) for i in range(levels - 1))
        self.refinement = stage(dim * 2, num_refinement_blocks,
                                refinement_heads if refinement_heads is not None else heads[0])
        self.output = nn.Conv2d(dim * 2, out_channels, kernel_size=3, padding=1, bias=bias)
        self.neck_channels = [dim * 2**(levels - 1)] + [dim * 2**i for i in range(levels - 2, 0, -1)]
        self.neck_strides = [2**i for i in range(levels - 1, 0, -1)]

    def forward(self, x: torch.Tensor, neck: Optional[Neck] = None) -> torch.Tensor:
        """Derain ``x`` (B, C, H, W) of any size.

        Args:
            x: Input batch.
            neck: Optional ``neck(level, feature) -> feature`` applied before each
                upsampling step, deepest first (level 0 at stride ``neck_strides[0]``).
        """
        padded, size = pad_to_multiple(x, self.pad_multiple)
        feat = self.patch_embed(padded)
        skips = []
        for encoder, down in zip(self.encoders, self.downs):
            feat = encoder(feat)
            skips.append(feat)
            feat = down(feat)
        feat = self.latent(feat)  # (B, dim * 2**(L-1), H / 2**(L-1), W / 2**(L-1))
        for step, i in enumerate(range(len(self.decoders) - 1, -1, -1)):
            if neck is not None:
                feat = neck(step, feat)
            feat = torch.cat([self.ups[i](feat), skips[i]], dim=1)  # (B, dim * 2**(i+1), ...)
            feat = self.decoders[i](self.reduces[i](feat))
        feat = self.refinement(feat)
        return crop_to(self.output(feat), size) + x
