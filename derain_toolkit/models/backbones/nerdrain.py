"""NeRD-Rain and NeRD-Rain-S: bidirectional multi-scale implicit neural representations.

Chen et al., "Bidirectional Multi-Scale Implicit Neural Representations for Image
Deraining" (CVPR 2024), Sec. 3 and Fig. 2. Three scales of the input (1/4, 1/2 and full,
nearest-neighbour downscaling), each a :class:`ScaleBranch` of 1, 2 and 3 transformer
U-Nets (MDTA + GDFN blocks, Restormer's), joined in both directions:

* coarse to fine, images (Sec. 3.2): the first U-Net's latent of the 1/4 and the 1/2 scale
  is upsampled by two pixel-shuffle steps to that scale's resolution and decoded by an
  :class:`ImplicitNeuralRepresentation` to a residual image; the scale's input plus that
  residual, upsampled x2, is added to the next finer scale's input image;
* fine to coarse, latents (Sec. 3.3): the latents of U-Nets k and k+1 of a finer scale are
  merged by a :class:`BidirectionalFusion`, halved and added to the latent of U-Net k of the
  next coarser scale before its decoder;
* coarse to fine, features: the last decoder's features of a scale, upsampled x2, are added
  to those of the next finer scale, which a 3x3 conv then turns into its restored image
  (plus that scale's input).

Official equivalence: cschenxiang/NeRD-Rain at 295f4fd, ``model.py`` (NeRD-Rain, dim 48)
and ``model_S.py`` (NeRD-Rain-S, dim 32: the only difference), class ``MultiscaleNet``,
with ``mlp.py``'s ``INR``: one class here at two sizes. The last decoder of the full scale
reduces its level-1 skip with the previous U-Net's 1x1 conv (official
``reduce_chan_level1_max2``); its own (``reduce_chan_level1_max3``) is built, never called,
and kept so the released files load: 22,893,146 parameters of which 22,888,538 run
(NeRD-Rain-S 10,530,314 / 10,528,266).

Outputs: ``dict(pred=out0, outputs=[out0, ..., out6])`` in the official order (train.py's
``restored``): restored full, 1/2 and 1/4 scale images, the 1/2-scale INR image (about
twice an image: the input plus the upsampled 1/4-scale INR image, plus a residual), the
1/2-scale input of that sum halved, the 1/4-scale INR image, the 1/4-scale input. The
official training loss reads outputs 0-2, 3 and 5 (``configs/_base_/models/nerdrain.py``).
Any H, W: the input is padded (reflection, bottom/right) to a multiple of 16 and every
output cropped to the input's size at its scale (the official code needs multiples of 16).
"""
from collections.abc import Sequence
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.models.backbones.restormer_unet import RestormerUNet
from derain_toolkit.models.layers.bidirectional_fusion import BidirectionalFusion
from derain_toolkit.models.layers.implicit_neural_representation import ImplicitNeuralRepresentation
from derain_toolkit.models.layers.padding import crop_to, pad_to_multiple
from derain_toolkit.models.layers.sampling import Upsample
from derain_toolkit.models.layers.scale_branch import ScaleBranch
from derain_toolkit.registry import BACKBONES

_SCALES = 3  # 1/4, 1/2, full: scale s holds s + 1 U-Nets


def _resize(x: torch.Tensor, factor: float) -> torch.Tensor:
    """Nearest-neighbour resizing by ``factor`` (the official ``F.interpolate(x, scale_factor=...)``)."""
    return F.interpolate(x, scale_factor=factor)


@BACKBONES.register_module()
class NeRDRain(nn.Module):
    """Args:
        inp_channels: Input image channels.
        out_channels: Output image channels (equal to ``inp_channels``: every scale is residual).
        dim: Channels of the first U-Net level (NeRD-Rain 48, NeRD-Rain-S 32).
        num_blocks: Transformer blocks per U-Net level, the last the bottleneck.
        heads: Attention heads per level.
        ffn_expansion_factor: Hidden width ratio of the feed-forward parts.
        bias: Biases in the blocks' convolutions, skip reductions, context and output convs.
        layernorm_type: ``'WithBias'`` or ``'BiasFree'``.
        attn: ``ATTENTION`` config of every block (default Restormer's ``MDTA``).
        ffn: ``FEEDFORWARDS`` config of every block (default Restormer's ``GDFN``).
        inr_hidden: Hidden widths of the INR MLPs (official [256, 256, 256]).
        inr_frequencies: Positional-encoding bands of the INRs (official 4).
    """

    @staticmethod
    def tiny_overrides(cfg: dict) -> dict:
        """The smoke budgets' variant: every U-Net as the tiny Restormer family's (width 8, one
        block per level, at most 2 heads), INR MLPs [16, 16]."""
        return dict(RestormerUNet.tiny_levels(cfg), inr_hidden=(16, 16))

    def __init__(self,
                 inp_channels: int = 3,
                 out_channels: int = 3,
                 dim: int = 48,
                 num_blocks: Sequence[int] = (2, 3, 3),
                 heads: Sequence[int] = (1, 2, 4),
                 ffn_expansion_factor: float = 2.66,
                 bias: bool = False,
                 layernorm_type: str = 'WithBias',
                 attn: Optional[dict] = None,
                 ffn: Optional[dict] = None,
                 inr_hidden: Sequence[int] = (256, 256, 256),
                 inr_frequencies: int = 4) -> None:
        super().__init__()
        if inp_channels != out_channels:
            raise ValueError(f'NeRDRain adds each scale\'s input to its output: inp_channels ({inp_channels}) '
                             f'must equal out_channels ({out_channels})')
        levels = len(num_blocks)
        self.pad_multiple = 2**(_SCALES - 1) * 2**(levels - 1)
        unet = dict(num_blocks=num_blocks, heads=heads, ffn_expansion_factor=ffn_expansion_factor,
                    layernorm_type=layernorm_type, attn=attn if attn is not None else dict(type='MDTA'),
                    ffn=ffn if ffn is not None else dict(type='GDFN'))
        latent_dim = dim * 2**(levels - 1)
        # Coarse to fine: branches[0] is the 1/4 scale.
        self.branches = nn.ModuleList(ScaleBranch(s + 1, inp_channels, dim, bias, **unet) for s in range(_SCALES))
        # The INR of scale s (s < 2) reads its first latent, upsampled to the scale's resolution.
        self.inr_ups = nn.ModuleList(
            nn.Sequential(*[Upsample(latent_dim // 2**i) for i in range(levels - 1)]) for _ in range(_SCALES - 1))
        self.inrs = nn.ModuleList(
            ImplicitNeuralRepresentation(dim, inr_hidden, inr_frequencies, out_channels) for _ in range(_SCALES - 1))
        # fusions[s][k] merges latents k and k+1 of scale s + 1 into U-Net k of scale s.
        self.fusions = nn.ModuleList(
            nn.ModuleList(BidirectionalFusion(latent_dim) for _ in range(s + 1)) for s in range(_SCALES - 1))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor | list[torch.Tensor]]:
        """Derain ``x`` (B, C, H, W): ``dict(pred=(B, C, H, W), outputs=[the 7 official outputs])``."""
        padded, size = pad_to_multiple(x, self.pad_multiple)
        images = [_resize(padded, 2.0**(s - _SCALES + 1)) for s in range(_SCALES)]  # x/4, x/2, x
        # Coarse to fine, images: each scale's first encoder; its INR image joins the next scale's input.
        inputs, firsts, inr_images = [], [], []
        for s, branch in enumerate(self.branches):
            image = images[s] if s == 0 else images[s] + _resize(inr_images[-1], 2)
            first = branch.encode_first(image)
            if s < _SCALES - 1:
                inr_images.append(image + self.inrs[s](self.inr_ups[s](first[0])))
            inputs.append(image)
            firsts.append(first)
        # Fine to coarse, latents: the fused latents of the finer scale, halved, join the coarser scale's.
        feats, latents = [None] * _SCALES, [None] * _SCALES
        for s in range(_SCALES - 1, -1, -1):
            branch = self.branches[s]
            if s == _SCALES - 1:
                additions = [None] * len(branch.unets)
                last_reduces = [branch.unets[-2].reduces[0], *branch.unets[-1].reduces[1:]]
            else:
                finer = latents[s + 1]
                additions = [_resize(fusion(finer[k], finer[k + 1]), 0.5) for k, fusion in enumerate(self.fusions[s])]
                last_reduces = None
            feats[s], latents[s] = branch(firsts[s], additions, last_reduces)
        # Coarse to fine, features: each scale's decoder features plus the coarser scale's, to its image.
        restored, feat = [], None
        for s, branch in enumerate(self.branches):
            feat = feats[s] if feat is None else feats[s] + _resize(feat, 2)
            restored.append(branch.output(feat) + images[s])

        def crop(image: torch.Tensor, scale: int) -> torch.Tensor:
            return crop_to(image, (size[0] // scale, size[1] // scale))

        outputs = [crop(restored[2], 1), crop(restored[1], 2), crop(restored[0], 4),
                   crop(inr_images[1], 2), crop(inputs[1] / 2, 2), crop(inr_images[0], 4), crop(inputs[0], 4)]
        return dict(pred=outputs[0], outputs=outputs)
