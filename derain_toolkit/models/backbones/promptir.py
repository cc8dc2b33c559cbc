"""PromptIR: Restormer's U-Net with a prompt block before each upsampling step.

PromptIR (Potlapalli et al., "PromptIR: Prompting for All-in-One Blind Image
Restoration", NeurIPS 2023), Sec. 3 and Fig. 2: Restormer's 4-level U-Net of MDTA +
GDFN blocks (:class:`RestormerUNet`) whose decoder passes each feature through a prompt
block (PGM + PIM, ``models/layers/prompt_block.py``) before upsampling it, i.e. the
blocks are the U-Net's neck (levels deepest first: the latent, then decoder levels 3
and 2). At the latent the block also halves the channels (``8 dim -> 4 dim``), so the
first upsampling starts from ``4 dim`` channels and its skip reduction from
``6 dim``; these two modules of the parent are rebuilt with those widths.

Official code: va1shn9v/PromptIR at 106159ab809101f2e25b6714195cd6fa9a938d36,
``net/model.py``, class ``PromptIR`` built as ``PromptIR(decoder=True)`` (demo.py,
train.py, test.py; other arguments default: dim 48, blocks (4, 6, 6, 8), 4 refinement
blocks, heads (1, 2, 4, 8), expansion 2.66, no biases, WithBias LayerNorm):
**35,592,263 parameters** (548 state-dict tensors), conv + linear MACs at 1x3x256x256
158.14 G. Both are checked in ``tests/models/backbones/test_promptir.py``; official
weights converted by ``checkpoints/converters/promptir.py`` reproduce the official
outputs there.

Differences from the official code, all keeping the official network at ``dim=48``:

* Widths scale with ``dim``. The official code hard-codes the prompt channels (320, 128,
  64 from the latent up) and the sizes of the unused convolutions for ``dim=48``, so it
  runs only at that width. Here they default to ``dim * (20, 8, 4) // 3`` (and the
  unused ``chnl_reduce3`` output to ``dim * 16 // 3``), equal to the official numbers at
  48, so smaller configs exist (``configs/promptir_tiny_synthetic.py``).
* 215,296 parameters of the official network belong to six 1x1 convolutions its forward
  never calls (``chnl_reduce1/2/3``, ``reduce_noise_channel_1/2/3``). They are kept in
  :attr:`PromptIR.unused_convs` (``unused_convs=True``) so official checkpoints load
  strictly and the parameter count equals the official one; they get no gradient, so
  distributed training needs ``find_unused_parameters=True`` (set in the model config).
* The official interaction blocks all use ``heads[2]`` attention heads, whatever their
  level; so do these.
* The official forward does not pad (demo.py reflect-pads to a multiple of 8 in tiled
  mode); the toolkit pads inside forward with that rule.
"""
from collections.abc import Sequence
from typing import Optional

import torch
from torch import nn

from derain_toolkit.models.backbones.restormer_unet import RestormerUNet
from derain_toolkit.models.layers.prompt_block import PromptBlock
from derain_toolkit.models.layers.sampling import Upsample
from derain_toolkit.registry import BACKBONES

_LEVELS = 4


@BACKBONES.register_module()
class PromptIR(RestormerUNet):
    """Args:
        inp_channels: Input image channels.
        out_channels: Output image channels (equal to ``inp_channels``).
        dim: Channels of the first level.
        num_blocks: Blocks per encoder level (4 levels; the last is the bottleneck).
        num_refinement_blocks: Blocks after the decoder, at ``2 * dim`` channels.
        heads: Attention heads per level; the prompt interaction blocks use ``heads[2]``.
        ffn_expansion_factor: Hidden width ratio of the feed-forward parts.
        bias: Biases in the convolutions.
        layernorm_type: ``'WithBias'`` or ``'BiasFree'``.
        attn: ``ATTENTION`` config of every block (MDTA in PromptIR).
        ffn: ``FEEDFORWARDS`` config of every block (GDFN in PromptIR).
        prompt_channels: Prompt channels per prompt block, deepest first (default
            ``dim * (20, 8, 4) // 3``: 320, 128, 64 at ``dim=48``).
        prompt_sizes: Spatial size of the prompt components, deepest first.
        prompt_len: Prompt components per block.
        unused_convs: Keep the six convolutions of the official network that its
            forward never calls (for strict loading of official checkpoints).
    """

    @classmethod
    def tiny_overrides(cls, cfg: dict) -> dict:
        """The smoke budgets' variant: as :class:`RestormerUNet`'s but width 12 (at 8 the prompt widths,
        ``dim * 20 // 3 = 53``..., leave odd block widths), expansion 2, prompts at 8/16/32 px."""
        return dict(super().tiny_overrides(cfg), dim=12, ffn_expansion_factor=2.0, prompt_sizes=(8, 16, 32))

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
                 prompt_channels: Optional[Sequence[int]] = None,
                 prompt_sizes: Sequence[int] = (16, 32, 64),
                 prompt_len: int = 5,
                 unused_convs: bool = True) -> None:
        if len(num_blocks) != _LEVELS:
            raise ValueError(f'PromptIR has {_LEVELS} levels (3 prompt blocks): num_blocks needs {_LEVELS} '
                             f'entries, got {list(num_blocks)}')
        attn = attn if attn is not None else dict(type='MDTA')
        ffn = ffn if ffn is not None else dict(type='GDFN')
        super().__init__(inp_channels, out_channels, dim, num_blocks, num_refinement_blocks, heads,
                         ffn_expansion_factor, bias, layernorm_type, attn, ffn)
        prompt_channels = list(prompt_channels or (dim * 20 // 3, dim * 8 // 3, dim * 4 // 3))
        if len(prompt_channels) != _LEVELS - 1 or len(prompt_sizes) != _LEVELS - 1:
            raise ValueError('PromptIR: prompt_channels and prompt_sizes need one entry per prompt block '
                             f'(3, deepest first), got {prompt_channels} and {list(prompt_sizes)}')
        # The latent's block hands 4 dim (not 8 dim) channels to the first upsampling.
        handed_on = [self.neck_channels[0] // 2] + self.neck_channels[1:]
        self.prompt_blocks = nn.ModuleList(
            PromptBlock(channels, out, prompt, prompt_len, size, heads[2], ffn_expansion_factor, bias,
                        layernorm_type, attn, ffn)
            for channels, out, prompt, size in zip(self.neck_channels, handed_on, prompt_channels, prompt_sizes))
        self.ups[-1] = Upsample(handed_on[0])
        self.reduces[-1] = nn.Conv2d(handed_on[0] // 2 + dim * 4, dim * 4, kernel_size=1, bias=bias)
        self.unused_convs = self._official_unused_convs(dim, prompt_channels, bias) if unused_convs else None

    @staticmethod
    def _official_unused_convs(dim: int, prompt_channels: list[int], bias: bool) -> nn.ModuleDict:
        """The official ``chnl_reduce{1,2,3}`` and ``reduce_noise_channel_{1,2,3}`` (never called)."""
        deep, middle, shallow = prompt_channels
        reduced_deep = dim * 16 // 3  # chnl_reduce3's 256 output channels at dim 48

        def conv(cin: int, cout: int) -> nn.Conv2d:
            return nn.Conv2d(cin, cout, kernel_size=1, bias=bias)

        return nn.ModuleDict(dict(
            chnl_reduce1=conv(shallow, shallow),
            chnl_reduce2=conv(middle, middle),
            chnl_reduce3=conv(deep, reduced_deep),
            reduce_noise_channel_1=conv(dim + shallow, dim),
            reduce_noise_channel_2=conv(dim * 2 + middle, dim * 2),
            reduce_noise_channel_3=conv(dim * 4 + reduced_deep, dim * 4)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Derain ``x`` (B, C, H, W) of any size."""
        return super().forward(x, neck=lambda level, feat: self.prompt_blocks[level](feat))
