"""Linear attention of the IR-SDE / DA-CLIP denoising U-Net (softmax over channels and positions).

Official source: Algolzw/image-restoration-sde at 2598d73cde3a1e2cf78c4ba4923414e1f4b90393,
``codes/config/deraining/models/modules/module_util.py``, class ``LinearAttention`` (also the one
DA-CLIP's ``ConditionalUNet`` imports at levels 0-2: daclip-uir at
c2cc14146faac85680b4cb39ece4ef9e2a7c7c24, ``.../daclip-sde/models/modules/module_util.py``;
the differently built ``LinearAttention`` of DA-CLIP's ``attention.py`` is not used by the
network). It comes from the DDPM U-Net of ``denoising-diffusion-pytorch``.

The DA-CLIP paper (Sec. V-B) says the U-Net "removes all self-attention layers"; the official
networks keep this attention at every level (IR-SDE) or at levels 0-2 (DA-CLIP). The toolkit's
paper configs follow the official code.

Per head, with ``q`` softmaxed over its channels and ``k`` over the positions, a
``dim_head x dim_head`` summary ``Σ_n k_n v_nᵀ / (HW)`` is read out by each position's ``q``:
the cost is linear in the number of pixels.
"""
import torch
from torch import nn

from derain_toolkit.models.layers.channel_layer_norm import ChannelLayerNorm


class LinearAttention(nn.Module):
    """Linear attention on (B, C, H, W); the official one has 4 heads of 32 whatever ``dim``.

    Args:
        dim: Channels of the input and output.
        heads: Attention heads.
        dim_head: Channels per head.
    """

    global_context = True  # k is softmaxed over every position of the input (tiling, inference.py)

    def __init__(self, dim: int, heads: int = 4, dim_head: int = 32) -> None:
        super().__init__()
        self.heads = heads
        self.scale = dim_head ** -0.5
        hidden = heads * dim_head
        self.to_qkv = nn.Conv2d(dim, hidden * 3, 1, bias=False)
        self.to_out = nn.Sequential(nn.Conv2d(hidden, dim, 1), ChannelLayerNorm(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        q, k, v = (part.reshape(b, self.heads, -1, h * w)
                   for part in self.to_qkv(x).chunk(3, dim=1))  # (B, heads, d, HW) each
        q = q.softmax(dim=-2) * self.scale
        k = k.softmax(dim=-1)
        v = v / (h * w)
        summary = torch.einsum('bhdn,bhen->bhde', k, v)  # (B, heads, d, d)
        out = torch.einsum('bhde,bhdn->bhen', summary, q)  # (B, heads, d, HW)
        return self.to_out(out.reshape(b, -1, h, w))  # (B, C, H, W)
