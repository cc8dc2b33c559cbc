"""PromptIR's prompt block: prompt generation (PGM) then prompt interaction (PIM).

PromptIR (Potlapalli et al., "PromptIR: Prompting for All-in-One Blind Image
Restoration", NeurIPS 2023), Sec. 3.1 and Fig. 2-3, applied to a decoder feature ``F``:

* PGM: ``w = softmax(Linear(GAP(F)))`` weights ``prompt_len`` learnable prompt
  components ``P_c`` (each ``prompt_channels x prompt_size x prompt_size``); their
  weighted sum is resized to ``F``'s resolution (bilinear) and passed through a 3x3
  conv: ``P = conv3x3(resize(sum_c w_c P_c))``.
* PIM: ``conv1x1(TransformerBlock(concat(F, P)))``, the feature first, the prompt second.

Official code: va1shn9v/PromptIR at 106159ab809101f2e25b6714195cd6fa9a938d36,
``net/model.py``: class ``PromptGenBlock`` (:class:`_PromptGeneration`; its
``prompt_param`` (1, L, C, S, S) is :attr:`_PromptGeneration.components` (L, C, S, S),
``linear_layer`` is ``linear``, ``conv3x3`` is ``conv``) and, inside ``PromptIR.forward``,
the ``noise_level{n}`` Transformer blocks and ``reduce_noise_level{n}`` 1x1 convs
(:attr:`PromptBlock.interaction`, :attr:`PromptBlock.reduce`). Where the paper text and
the code differ, the code is followed: the PGM weights come from a linear layer (the
paper writes a 1x1 conv on the pooled vector, the same map), and the PIM ends with a
1x1 conv (``reduce_noise_level``).
"""
import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.models.layers.transformer_block import TransformerBlock


class _PromptGeneration(nn.Module):
    """PGM: input-conditioned prompt ``(B, prompt_channels, H, W)`` for a feature ``(B, channels, H, W)``."""

    global_context = True  # the prompt weights pool the whole feature (GAP) (tiling, inference.py)

    def __init__(self, channels: int, prompt_channels: int, prompt_len: int, prompt_size: int) -> None:
        super().__init__()
        self.components = nn.Parameter(torch.rand(prompt_len, prompt_channels, prompt_size, prompt_size))
        self.linear = nn.Linear(channels, prompt_len)
        self.conv = nn.Conv2d(prompt_channels, prompt_channels, kernel_size=3, padding=1, bias=False)

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        weights = self.linear(feat.mean(dim=(-2, -1))).softmax(dim=1)  # (B, prompt_len)
        prompt = torch.einsum('bl,lchw->bchw', weights, self.components)  # (B, prompt_channels, S, S)
        prompt = F.interpolate(prompt, size=feat.shape[-2:], mode='bilinear', align_corners=False)
        return self.conv(prompt)


class PromptBlock(nn.Module):
    """Args:
        channels: Channels of the decoder feature.
        out_channels: Channels handed on (PromptIR: half of ``channels`` at the latent).
        prompt_channels: Channels of the prompt.
        prompt_len: Number of prompt components.
        prompt_size: Spatial size of the prompt components.
        num_heads: Heads of the interaction block.
        ffn_expansion_factor, bias, layernorm_type, attn, ffn: Of the interaction
            :class:`TransformerBlock` (``bias`` also for the 1x1 conv).
    """

    def __init__(self, channels: int, out_channels: int, prompt_channels: int, prompt_len: int, prompt_size: int,
                 num_heads: int, ffn_expansion_factor: float, bias: bool, layernorm_type: str, attn: dict,
                 ffn: dict) -> None:
        super().__init__()
        self.generation = _PromptGeneration(channels, prompt_channels, prompt_len, prompt_size)
        self.interaction = TransformerBlock(channels + prompt_channels, num_heads, ffn_expansion_factor, bias,
                                            layernorm_type, attn, ffn)
        self.reduce = nn.Conv2d(channels + prompt_channels, out_channels, kernel_size=1, bias=bias)

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        feat = torch.cat([feat, self.generation(feat)], dim=1)  # (B, channels + prompt_channels, H, W)
        return self.reduce(self.interaction(feat))
