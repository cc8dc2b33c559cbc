"""Gain-only channel LayerNorm of the IR-SDE / DA-CLIP denoising U-Net.

Official source: Algolzw/image-restoration-sde at 2598d73cde3a1e2cf78c4ba4923414e1f4b90393,
``codes/config/deraining/models/modules/module_util.py``, class ``LayerNorm`` (the DA-CLIP
copy, Algolzw/daclip-uir at c2cc14146faac85680b4cb39ece4ef9e2a7c7c24,
``universal-image-restoration/config/daclip-sde/models/modules/module_util.py``, is the same).
The papers (IR-SDE, DA-CLIP Sec. V-B) do not describe it.

It normalises each pixel's channel vector to zero mean and unit variance and scales it by a
learned gain, with no shift: neither :class:`~derain_toolkit.models.layers.layer_norm.LayerNorm2d`
variant (``WithBias`` adds a shift, ``BiasFree`` keeps the mean).

The ``eps`` rule is copied from the official code: ``1e-5`` for float32 inputs and ``1e-3``
for any other dtype (float16/bfloat16 for stability, but float64 too). The toolkit network in
any dtype is thereby the official network in that dtype, so official weights run under
half-precision autocast as they do officially. The price is that a float64 network is not the
float64 version of the float32 one (on the tiny official fixtures their outputs differ by
0.04-0.11); the golden tests compare float64 runs with the official float64 outputs.
"""
import torch
from torch import nn


class ChannelLayerNorm(nn.Module):
    """``(x − mean_C) / sqrt(var_C + eps) · g`` over the channels of (B, C, H, W).

    Args:
        dim: Channels.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, dim, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        eps = 1e-5 if x.dtype == torch.float32 else 1e-3
        var = torch.var(x, dim=1, unbiased=False, keepdim=True)
        mean = torch.mean(x, dim=1, keepdim=True)
        return (x - mean) * (var + eps).rsqrt() * self.weight
