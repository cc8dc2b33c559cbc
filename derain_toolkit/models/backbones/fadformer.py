"""FADformer: a U-Net of FAD blocks (FFCM mixer + PGFN) carrying the residue-channel prior.

FADformer (Gao et al., "Efficient Frequency-Domain Image Deraining with Contrastive
Regularization", ECCV 2024), Fig. 2 of the paper. Reference: the official
deng-ai-lab/FADformer at 75a883580dfebf29b70a40191a92a6d0d348b263, ``models/FADformer.py``,
``FADBackbone`` (factories ``FADformer()``: dim 32, depths (4, 8, 10, 8, 4), and
``FADformer_mini()``: dim 24, depths (2, 3, 4, 3, 2)).

The network (levels ``L = (len(depths) + 1) / 2``, 3 in FADformer):

* the residue-channel prior ``max_c x - min_c x`` (B, 1, H, W) of the (padded) input;
* a 3x3 reflect-padded embedding to ``dim``;
* encoder stages of FAD blocks at ``dim * 2**i`` (each block updates the features and the
  prior, ``layers/fad_block.py``), each followed by Restormer's downsampling of the features
  (conv3x3 to ``C/2``, PixelUnshuffle) and the prior's own (PixelUnshuffle, conv3x3 4 -> 1,
  no bias);
* a bottleneck stage; decoder levels that upsample the features (conv3x3 with bias,
  reflect, PixelShuffle) and the prior (conv3x3 1 -> 4 with bias, reflect, PixelShuffle),
  concatenate the encoder's features, reduce them with a 1x1 conv and run a stage;
* two 3x3 reflect-padded convs to the image and the global residual ``x + body(x)``.

The prior of the last block is computed and dropped (its ``prior_out`` runs without
effect), as in the official code. Any H, W: the input is padded by reflection on the
bottom/right to a multiple of ``2**(L-1)`` (the official predict scripts' rule: 4) and
the output cropped back; the padded size must be at least ``3 * 2**(L-1)`` (the 5x5
reflect-padded convolutions of the bottleneck).

Official weights (``{'state_dict': DataParallel(net).state_dict()}``) load through
``checkpoint_converter = 'fadformer'`` (``checkpoints/converters/fadformer.py``).
"""
from collections.abc import Sequence
from typing import Optional

import torch
from torch import nn

from derain_toolkit.models.layers.fad_block import FADBlock
from derain_toolkit.models.layers.padding import crop_to, pad_to_multiple
from derain_toolkit.models.layers.sampling import Downsample, Upsample
from derain_toolkit.registry import BACKBONES


def residue_channel(x: torch.Tensor) -> torch.Tensor:
    """The residue-channel prior: ``max_c x - min_c x`` (B, C, H, W) -> (B, 1, H, W)."""
    return x.amax(dim=1, keepdim=True) - x.amin(dim=1, keepdim=True)


class _Stage(nn.ModuleList):
    """FAD blocks in sequence, threading the prior through them."""

    def forward(self, x: torch.Tensor, prior: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for block in self:
            x, prior = block(x, prior)
        return x, prior


@BACKBONES.register_module()
class FADformer(nn.Module):
    """Args:
        in_channels: Input image channels.
        out_channels: Output image channels (equal to ``in_channels`` for the residual).
        dim: Channels of the first level (a multiple of 4).
        depths: FAD blocks per stage: encoder levels, bottleneck, decoder levels (odd length
            ``2L - 1`` >= 3; FADformer ``(4, 8, 10, 8, 4)``).
        mixer: ``ATTENTION`` config of every block's token mixer (FFCM).
        ffn: ``FEEDFORWARDS`` config of every block's feed-forward (PGFN).
    """

    def __init__(self,
                 in_channels: int = 3,
                 out_channels: int = 3,
                 dim: int = 32,
                 depths: Sequence[int] = (4, 8, 10, 8, 4),
                 mixer: Optional[dict] = None,
                 ffn: Optional[dict] = None) -> None:
        super().__init__()
        if len(depths) < 3 or len(depths) % 2 == 0:
            raise ValueError('FADformer: depths lists the encoder stages, the bottleneck and the decoder stages '
                             f'(odd length >= 3, e.g. (4, 8, 10, 8, 4)); got {list(depths)}')
        if in_channels != out_channels:
            raise ValueError(f'FADformer adds the input to its output: in_channels ({in_channels}) must equal '
                             f'out_channels ({out_channels})')
        mixer = mixer if mixer is not None else dict(type='FusedFourierConvMixer')
        ffn = ffn if ffn is not None else dict(type='PriorGatedFFN')
        levels = (len(depths) + 1) // 2
        self.pad_multiple = 2**(levels - 1)

        def stage(channels: int, depth: int) -> _Stage:
            return _Stage(FADBlock(channels, mixer, ffn) for _ in range(depth))

        self.patch_embed = nn.Conv2d(in_channels, dim, kernel_size=3, padding=1, padding_mode='reflect')
        self.encoders = nn.ModuleList(stage(dim * 2**i, depths[i]) for i in range(levels - 1))
        self.downs = nn.ModuleList(Downsample(dim * 2**i) for i in range(levels - 1))
        self.prior_downs = nn.ModuleList(
            nn.Sequential(nn.PixelUnshuffle(2), nn.Conv2d(4, 1, kernel_size=3, padding=1, bias=False))
            for _ in range(levels - 1))
        self.latent = stage(dim * 2**(levels - 1), depths[levels - 1])
        # Decoder modules are indexed by the level they produce, deepest first at run time.
        self.ups = nn.ModuleList(
            Upsample(dim * 2**(i + 1), bias=True, padding_mode='reflect') for i in range(levels - 1))
        self.prior_ups = nn.ModuleList(
            nn.Sequential(nn.Conv2d(1, 4, kernel_size=3, padding=1, padding_mode='reflect'), nn.PixelShuffle(2))
            for _ in range(levels - 1))
        self.reduces = nn.ModuleList(nn.Conv2d(dim * 2**(i + 1), dim * 2**i, kernel_size=1) for i in range(levels - 1))
        self.decoders = nn.ModuleList(stage(dim * 2**i, depths[-1 - i]) for i in range(levels - 1))
        self.output = nn.Sequential(
            nn.Conv2d(dim, out_channels, kernel_size=3, padding=1, padding_mode='reflect'),
            nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, padding_mode='reflect'))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Derain ``x`` (B, C, H, W) of any size at least ``3 * pad_multiple`` each way."""
        padded, size = pad_to_multiple(x, self.pad_multiple)
        smallest = 3 * self.pad_multiple
        if min(padded.shape[-2:]) < smallest:
            raise ValueError(f'FADformer: an image of {size[0]}x{size[1]} is too small; it needs at least '
                             f'{smallest}x{smallest} (the 5x5 reflect-padded convs at 1/{self.pad_multiple} scale). '
                             'Upscale or pad it first.')
        prior = residue_channel(padded)  # (B, 1, H, W)
        feat = self.patch_embed(padded)
        skips = []
        for encoder, down, prior_down in zip(self.encoders, self.downs, self.prior_downs):
            feat, prior = encoder(feat, prior)
            skips.append(feat)
            feat, prior = down(feat), prior_down(prior)  # (B, 2C, H/2, W/2), (B, 1, H/2, W/2)
        feat, prior = self.latent(feat, prior)
        for i in range(len(self.decoders) - 1, -1, -1):
            feat, prior = self.ups[i](feat), self.prior_ups[i](prior)  # (B, C/2, 2H, 2W), (B, 1, 2H, 2W)
            feat = self.reduces[i](torch.cat([feat, skips[i]], dim=1))
            feat, prior = self.decoders[i](feat, prior)
        return crop_to(self.output(feat), size) + x
