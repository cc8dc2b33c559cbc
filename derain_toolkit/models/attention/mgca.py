"""Mask-guided cross-attention (MGCA), one CLIP-RPN sub-network Ψ_s.

CLIP-RPN Sec. 3.3, Eqs. (7)-(13) and Fig. 1(b)-(c):

1. Eq. (7): rainy and non-rainy features ``F_r = F ⊙ M̂``, ``F_n = F ⊙ (1 − M̂)``.
2. Eqs. (8)-(10): each is the query of its own transposed cross-attention ``CA``
   (1x1 conv + 3x3 depth-wise conv projections of Q, K, V; keys and values from ``F``;
   ``softmax(Q Kᵀ / α) V`` over channels with a learnable scale α per head).
3. Eq. (11): spatial weights from the rainy branch, ``W_r = σ(conv(Cat(avg_c, max_c)(F_r^ca)))``
   (B, 1, H, W), scale the non-rainy features: ``F_n^ca ← F_n^ca ⊙ W_r``.
4. Eq. (12): channel weights from the non-rainy branch, two MLP paths on the spatial
   average and maximum, ``W_n = σ(W₂γ(W₁ avg) + W₄γ(W₃ max))`` (B, C, 1, 1), scale the
   rainy features: ``F_r^ca ← F_r^ca ⊙ W_n``.
5. Eq. (13): ``F_s = F_r^ca + F_n^ca``; a final ``CA(F, F_s, F_s)`` (queries from ``F``)
   gives ``F_out``.

Choices where the paper is silent (all options):

- Q and K are L2-normalised over the spatial axis before ``Q Kᵀ`` and the learnable
  per-head temperature multiplies the logits (Restormer's MDTA convention, "multi-dconv
  head transposed" attention); a 1x1 output projection follows each ``CA``.
- Eq. (11) concatenates two pooled maps but σ needs one: a ``spatial_kernel`` x
  ``spatial_kernel`` convolution (2 -> 1 channels, 7 by default as in CBAM) joins them.
- Eq. (12)'s hidden width is ``dim // reduction`` (at least 1; ``reduction=4``).
- Both weights are computed from the cross-attended features before either update
  (the two updates of Eqs. 11-12 are simultaneous).
- ``residual=True`` returns ``F + CA(F, F_s, F_s)`` so that a fresh sub-network starts
  close to the identity inside the pre-trained-style U-Net; ``False`` returns ``F_out``.

Contract: unlike the self-attention parts of ``ATTENTION`` (``forward(x)``), MGCA is
``forward(feat, mask)`` with ``mask`` (B, 1, H, W) in [0, 1]; it is registered in
``ATTENTION`` with the usual ``(dim, num_heads, bias, **options)`` constructor and is
built per route and per level by the ``CLIPRPN`` network, which supplies the mask.
"""
import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.registry import ATTENTION


class _CrossAttention(nn.Module):
    """Transposed multi-head cross-attention ``CA(F_q, F_kv, F_kv)``, Eqs. (8)-(9)."""

    def __init__(self, dim: int, num_heads: int, bias: bool) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.temperature = nn.Parameter(torch.ones(num_heads, 1, 1))
        self.q = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=1, bias=bias),
            nn.Conv2d(dim, dim, kernel_size=3, padding=1, groups=dim, bias=bias))
        self.kv = nn.Sequential(
            nn.Conv2d(dim, dim * 2, kernel_size=1, bias=bias),
            nn.Conv2d(dim * 2, dim * 2, kernel_size=3, padding=1, groups=dim * 2, bias=bias))
        self.project_out = nn.Conv2d(dim, dim, kernel_size=1, bias=bias)

    def forward(self, query: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = query.shape
        shape = (batch, self.num_heads, channels // self.num_heads, height * width)
        q = F.normalize(self.q(query).reshape(shape), dim=-1)  # (B, heads, C/heads, H*W)
        k, v = self.kv(source).chunk(2, dim=1)
        k = F.normalize(k.reshape(shape), dim=-1)
        attn = ((q @ k.transpose(-2, -1)) * self.temperature).softmax(dim=-1)  # (B, heads, C/h, C/h)
        return self.project_out((attn @ v.reshape(shape)).reshape(query.shape))


@ATTENTION.register_module()
class MGCA(nn.Module):
    """Args:
        dim: Channels of the feature ``F``.
        num_heads: Heads of every cross-attention; ``dim`` must be divisible by it.
        bias: Biases in the cross-attention convolutions.
        reduction: Channel reduction of the Eq. (12) MLPs.
        spatial_kernel: Kernel of the convolution joining the Eq. (11) pooled maps.
        residual: Add ``F`` to the final cross-attention output.
    """

    global_context = True  # its cross-attentions sum over every pixel (tiling, inference.py)

    def __init__(self, dim: int, num_heads: int, bias: bool = False, reduction: int = 4,
                 spatial_kernel: int = 7, residual: bool = True) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'MGCA: dim ({dim}) must be divisible by num_heads ({num_heads})')
        self.residual = residual
        self.rain_attention = _CrossAttention(dim, num_heads, bias)
        self.clear_attention = _CrossAttention(dim, num_heads, bias)
        self.fuse_attention = _CrossAttention(dim, num_heads, bias)
        self.spatial = nn.Conv2d(2, 1, kernel_size=spatial_kernel, padding=spatial_kernel // 2)
        hidden = max(1, dim // reduction)
        self.channel_avg = nn.Sequential(nn.Conv2d(dim, hidden, 1), nn.ReLU(inplace=True), nn.Conv2d(hidden, dim, 1))
        self.channel_max = nn.Sequential(nn.Conv2d(dim, hidden, 1), nn.ReLU(inplace=True), nn.Conv2d(hidden, dim, 1))

    def forward(self, feat: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Args:
            feat: ``F`` (B, C, H, W).
            mask: Rain confidence ``M̂`` (B, 1, H, W) in [0, 1].

        Returns:
            ``F_out`` (B, C, H, W).
        """
        mask = mask.to(feat.dtype)
        rain = self.rain_attention(feat * mask, feat)  # F_r^ca, Eqs. (7), (10)
        clear = self.clear_attention(feat * (1 - mask), feat)  # F_n^ca
        pooled = torch.cat([rain.mean(dim=1, keepdim=True), rain.amax(dim=1, keepdim=True)], dim=1)  # (B, 2, H, W)
        spatial_weights = torch.sigmoid(self.spatial(pooled))  # W_r (B, 1, H, W), Eq. (11)
        channel_weights = torch.sigmoid(
            self.channel_avg(clear.mean(dim=(2, 3), keepdim=True))
            + self.channel_max(clear.amax(dim=(2, 3), keepdim=True)))  # W_n (B, C, 1, 1), Eq. (12)
        fused = rain * channel_weights + clear * spatial_weights  # F_s, Eq. (13)
        out = self.fuse_attention(feat, fused)
        return feat + out if self.residual else out
