"""NeRD-Rain's fusion of the latents of two consecutive U-Nets of one scale.

NeRD-Rain (Chen et al., CVPR 2024), Sec. 3.3 (bidirectional multi-scale fusion): the
bottleneck features ``x`` and ``y`` of two consecutive U-Nets are matched by a shared
sigmoid attention ``A = σ(conv_q(x) ⊙ conv_k(y))``; each input and its attended version are
mixed by two per-pixel gates predicted from their concatenation, and the two results are
summed. The fused map is then halved and added to the next coarser scale's latent (the
backbone does that).

Official equivalence: cschenxiang/NeRD-Rain at 295f4fd, ``model.py``, class ``Fusion``
(the parameter names are the official ones).
"""
import torch
from torch import nn


class BidirectionalFusion(nn.Module):
    """``x ⊙ g_x0 + (x ⊙ A) ⊙ g_x1 + y ⊙ g_y0 + (y ⊙ A) ⊙ g_y1`` with ``g_x = gamma1([x, x ⊙ A])``, ``g_y = gamma2([y, y ⊙ A])``.

    Args:
        dim: Channels of both inputs.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.query_conv = nn.Conv2d(dim, dim, kernel_size=3, padding=1)
        self.key_conv = nn.Conv2d(dim, dim, kernel_size=3, padding=1)
        self.gamma1 = nn.Conv2d(dim * 2, 2, kernel_size=3, padding=1)
        self.gamma2 = nn.Conv2d(dim * 2, 2, kernel_size=3, padding=1)

    @staticmethod
    def _gated(feat: torch.Tensor, attended: torch.Tensor, gate: nn.Conv2d) -> torch.Tensor:
        weights = gate(torch.cat([feat, attended], dim=1))  # (B, 2, H, W)
        return feat * weights[:, :1] + attended * weights[:, 1:]

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Fuse ``x`` (the earlier U-Net's latent) and ``y`` (the later one's), both (B, C, H, W)."""
        attention = torch.sigmoid(self.query_conv(x) * self.key_conv(y))
        return self._gated(x, x * attention, self.gamma1) + self._gated(y, y * attention, self.gamma2)
