"""DRSformer: Restormer's U-Net of sparse Transformer blocks with two MEFC compensators.

DRSformer (Chen et al., "Learning A Sparse Transformer Network for Effective Image
Deraining", CVPR 2023), Sec. 3 and Fig. 2. The U-Net is Restormer's
(:class:`RestormerUNet`: pixel-(un)shuffle resampling, skip concatenation, 1x1
reductions below the first level, global residual) with sparse Transformer blocks (STB,
Sec. 3.2: ``attn=dict(type='TKSA')``, ``ffn=dict(type='MSFN')``), and the mixture of
experts feature compensator (MEFC, Sec. 3.3) in two places: after the 3x3 patch
embedding (``patch_embed = [conv, MEFC(dim)]``, the official ``encoder_level0``) and
instead of Restormer's refinement blocks (``refinement = MEFC(2 * dim)``). So this class
is a ``RestormerUNet`` without refinement blocks whose embedding and refinement slots
hold the MEFCs; the forward is the parent's.

Official code: cschenxiang/DRSformer at e77bbb4ecc59aaa2cd170a0f8f65b188a9dd77c6,
``basicsr/models/archs/DRSformer_arch.py``, class ``DRSformer``, configured by
``Options/Deraining.yml`` (= the class defaults: dim 48, blocks (4, 6, 6, 8), heads
(1, 2, 4, 8), expansion 2.66, no biases, WithBias LayerNorm): **33,655,424 parameters**
(924 state-dict tensors), conv + linear MACs at 1x3x256x256 220.33 G. Both are checked
in ``tests/models/backbones/test_drsformer.py`` (parameters of the built network; MACs
with ``utils/complexity.py`` on the meta device), and the official weights converted by
``checkpoints/converters/drsformer.py`` reproduce the official outputs there. The
official network does not pad (its test script reflect-pads to a multiple of 8 and
crops); the toolkit pads inside forward with the same rule.

``use_mefc=False`` builds the official variant without MEFC that DRSformer trains for
Rain200L and SPA-Data (README "we do not use MEFC for training Rain200L and SPA-Data";
``basicsr/models/archs/DRSformer_arch_200L+SPA.py``: no ``encoder_level0``, no
``refinement``): **32,610,304 parameters**, its weights converted by the same converter.
"""
from collections.abc import Sequence
from typing import Optional

from torch import nn

from derain_toolkit.models.backbones.restormer_unet import RestormerUNet
from derain_toolkit.models.layers.mefc import MEFC
from derain_toolkit.registry import BACKBONES


@BACKBONES.register_module()
class DRSformer(RestormerUNet):
    """Args:
        inp_channels: Input image channels.
        out_channels: Output image channels (equal to ``inp_channels``).
        dim: Channels of the first level.
        num_blocks: Sparse Transformer blocks per encoder level (the last: bottleneck).
        heads: Attention heads per level.
        ffn_expansion_factor: Hidden width ratio of MSFN.
        bias: Biases in the convolutions of the blocks and the skip reductions.
        layernorm_type: ``'WithBias'`` or ``'BiasFree'``.
        attn: ``ATTENTION`` config of every block (TKSA in DRSformer).
        ffn: ``FEEDFORWARDS`` config of every block (MSFN in DRSformer).
        mefc_steps: Expert layers of each MEFC (4 in DRSformer).
        use_mefc: Build the two MEFCs (``False``: the official Rain200L / SPA-Data variant).
    """

    @classmethod
    def tiny_overrides(cls, cfg: dict) -> dict:
        """The smoke budgets' variant (``configs/drsformer_tiny_synthetic.py``'s sizes): the U-Net's
        :meth:`~RestormerUNet.tiny_levels` (no refinement blocks: MEFC refines), expansion 2,
        2-step MEFCs; the TKSA and MSFN types are kept."""
        return dict(cls.tiny_levels(cfg), ffn_expansion_factor=2.0, mefc_steps=2)

    def __init__(self,
                 inp_channels: int = 3,
                 out_channels: int = 3,
                 dim: int = 48,
                 num_blocks: Sequence[int] = (4, 6, 6, 8),
                 heads: Sequence[int] = (1, 2, 4, 8),
                 ffn_expansion_factor: float = 2.66,
                 bias: bool = False,
                 layernorm_type: str = 'WithBias',
                 attn: Optional[dict] = None,
                 ffn: Optional[dict] = None,
                 mefc_steps: int = 4,
                 use_mefc: bool = True) -> None:
        super().__init__(
            inp_channels, out_channels, dim, num_blocks, num_refinement_blocks=0, heads=heads,
            ffn_expansion_factor=ffn_expansion_factor, bias=bias, layernorm_type=layernorm_type,
            attn=attn if attn is not None else dict(type='TKSA'),
            ffn=ffn if ffn is not None else dict(type='MSFN'))
        if use_mefc:
            self.patch_embed = nn.Sequential(self.patch_embed, MEFC(dim, mefc_steps))
            self.refinement = MEFC(dim * 2, mefc_steps)
        else:  # the refinement stays the parent's empty stage; patch_embed.0 keeps the converter's keys
            self.patch_embed = nn.Sequential(self.patch_embed)
