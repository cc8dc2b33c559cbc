"""Multi-Dconv head transposed attention (MDTA).

Restormer (Zamir et al., CVPR 2022), Sec. 3.1, Eq. (2): Q, K, V from a 1x1 conv and a
3x3 depth-wise conv; attention across channels (a C/heads x C/heads map per head, so
the cost is linear in H*W) on L2-normalised Q and K, scaled by a learnable temperature.
"""
import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.registry import ATTENTION


@ATTENTION.register_module()
class MDTA(nn.Module):
    """Args:
        dim: Channels.
        num_heads: Heads; ``dim`` must be divisible by it.
        bias: Biases in the convolutions.
    """

    global_context = True  # Q Kᵀ sums over every pixel of the input (tiling, inference.py)

    def __init__(self, dim: int, num_heads: int, bias: bool = False) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'MDTA: dim ({dim}) must be divisible by num_heads ({num_heads})')
        self.num_heads = num_heads
        self.temperature = nn.Parameter(torch.ones(num_heads, 1, 1))
        self.qkv = nn.Conv2d(dim, dim * 3, kernel_size=1, bias=bias)
        self.qkv_dwconv = nn.Conv2d(dim * 3, dim * 3, kernel_size=3, padding=1, groups=dim * 3, bias=bias)
        self.project_out = nn.Conv2d(dim, dim, kernel_size=1, bias=bias)

    def qkv_heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Project ``x`` (B, C, H, W) to per-head q, k, v, each (B, heads, C/heads, H*W)."""
        batch, channels, height, width = x.shape
        q, k, v = self.qkv_dwconv(self.qkv(x)).chunk(3, dim=1)
        shape = (batch, self.num_heads, channels // self.num_heads, height * width)
        return q.reshape(shape), k.reshape(shape), v.reshape(shape)

    def attention_logits(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """Channel-to-channel logits ``temperature * q̂ k̂ᵀ``, (B, heads, C/heads, C/heads)."""
        q = F.normalize(q, dim=-1)
        k = F.normalize(k, dim=-1)
        return (q @ k.transpose(-2, -1)) * self.temperature

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv_heads(x)
        attn = self.attention_logits(q, k).softmax(dim=-1)
        out = attn @ v  # (B, heads, C/heads, H*W)
        return self.project_out(out.reshape(x.shape))
