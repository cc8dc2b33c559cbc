"""Spatial-enhanced feed-forward network (SEFN) of the DDSA deraining Transformer.

Paper: "Learning Image Deraining Transformer Network with Dynamic Dual
Self-Attention" (Fan et al.), Sec. 2.3 and Table 3 (``MSFN`` and ``SA`` columns).

The paper gives the ingredients but not the wiring (its Fig. 2 is the only
diagram). Choices made here, each a constructor option where it matters:

* a 1x1 convolution expands ``dim`` to ``hidden = dim * expansion_factor``
  (rounded up to a multiple of ``scale``) and another one projects back, as in
  Restormer's GDFN, so the two feed-forwards are interchangeable. The expansion
  applies to SEFN's single stream where GDFN expands two gated streams, so at the
  same ``expansion_factor`` SEFN has about 2/3 of GDFN's parameters (DDSA: 20.92 M
  against Restormer's 26.13 M at 2.66; see ``configs/_base_/models/ddsa.py``);
* the multi-scale part is Res2Net's hierarchical split (Gao et al., Sec. 3.1)
  with ``scale`` groups (the paper's "scale dimension" 3): ``y1 = x1``,
  ``y2 = K2(x2)``, ``yi = Ki(xi + y(i-1))``, each ``Ki`` a 3x3 depth-wise
  convolution as the paper states;
* GELU (the nonlinearity of Restormer's feed-forward) follows the
  concatenated multi-scale features;
* Table 3 toggles the multi-scale body (MSFN or GDFN) and SA independently; its
  row (e) is "GDFN + SA". ``mixer='gated_dconv'`` replaces the Res2Net body with
  Restormer's gated-Dconv body (GDFN, Restormer Eq. 3: a 1x1 conv to two
  streams, a 3x3 depth-wise conv, ``GELU(gate) * value``), with the same
  parameter names, so ``mixer='gated_dconv', spatial_attention=False`` is
  exactly :class:`GDFN` and with SA on it is row (e);
* the spatial attention is CBAM's (Woo et al., Sec. 3): channel-wise mean and
  max maps, a ``sa_kernel_size`` convolution, a sigmoid gate. CBAM's batch norm
  after that convolution is left out, as restoration Transformers avoid batch
  statistics. ``spatial_attention=False`` removes it, which is Table 3's MSFN.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.registry import FEEDFORWARDS


class _SpatialAttention(nn.Module):
    """CBAM spatial attention: ``x * sigmoid(conv([mean_c(x), max_c(x)]))``.

    Args:
        kernel_size: Size of the convolution over the two pooled maps (odd).
    """

    def __init__(self, kernel_size: int = 7) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f'SEFN sa_kernel_size must be odd to keep the spatial size, got {kernel_size}; '
                             'use 7 (CBAM) or another odd size.')
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def gate(self, x: torch.Tensor) -> torch.Tensor:
        """Spatial attention map in (0, 1), shape (B, 1, H, W)."""
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)  # (B, 2, H, W)
        return torch.sigmoid(self.conv(pooled))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(x)


@FEEDFORWARDS.register_module()
class SEFN(nn.Module):
    """SEFN (DDSA paper Sec. 2.3): Res2Net depth-wise multi-scale + CBAM spatial attention.

    Args:
        dim: Input and output channels.
        expansion_factor: Hidden channels are ``dim * expansion_factor``, rounded
            up to a multiple of ``scale`` for the Res2Net body (truncated to an
            integer for the gated body, as GDFN).
        bias: Whether the convolutions have a bias.
        scale: Number of Res2Net groups (the paper uses 3).
        spatial_attention: Apply CBAM's spatial attention; ``False`` gives the
            paper's "MSFN" ablation.
        sa_kernel_size: Kernel size of the spatial-attention convolution.
        mixer: ``'res2net'`` (SEFN/MSFN) or ``'gated_dconv'`` (GDFN's body, Table 3 row e).
    """

    def __init__(self,
                 dim: int,
                 expansion_factor: float,
                 bias: bool,
                 scale: int = 3,
                 spatial_attention: bool = True,
                 sa_kernel_size: int = 7,
                 mixer: str = 'res2net') -> None:
        super().__init__()
        self.mixer = mixer
        self.scale = scale
        if mixer == 'res2net':
            if scale < 2:
                raise ValueError(f'SEFN needs scale >= 2 Res2Net groups, got {scale}; the paper uses scale=3.')
            hidden = scale * math.ceil(dim * expansion_factor / scale)
            width = hidden // scale
            self.project_in = nn.Conv2d(dim, hidden, kernel_size=1, bias=bias)
            self.scale_convs = nn.ModuleList(
                nn.Conv2d(width, width, kernel_size=3, padding=1, groups=width, bias=bias) for _ in range(scale - 1))
        elif mixer == 'gated_dconv':
            hidden = int(dim * expansion_factor)
            self.project_in = nn.Conv2d(dim, hidden * 2, kernel_size=1, bias=bias)
            self.dwconv = nn.Conv2d(hidden * 2, hidden * 2, kernel_size=3, padding=1, groups=hidden * 2, bias=bias)
        else:
            raise ValueError(f"SEFN mixer must be 'res2net' (SEFN/MSFN) or 'gated_dconv' (GDFN body), got {mixer!r}")
        self.spatial_attention = _SpatialAttention(sa_kernel_size) if spatial_attention else nn.Identity()
        self.project_out = nn.Conv2d(hidden, dim, kernel_size=1, bias=bias)

    def multi_scale(self, x: torch.Tensor) -> torch.Tensor:
        """Res2Net hierarchical split: ``y1 = x1``, ``yi = Ki(xi + y(i-1))`` (no sum for i = 2)."""
        groups = x.chunk(self.scale, dim=1)  # scale x (B, hidden/scale, H, W)
        outs = [groups[0]]
        previous = None
        for conv, group in zip(self.scale_convs, groups[1:]):
            previous = conv(group if previous is None else group + previous)
            outs.append(previous)
        return torch.cat(outs, dim=1)  # (B, hidden, H, W)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.project_in(x)  # (B, hidden, H, W), or (B, 2 * hidden, H, W) for the gated body
        if self.mixer == 'res2net':
            x = F.gelu(self.multi_scale(x))
        else:
            gate, value = self.dwconv(x).chunk(2, dim=1)  # 2 x (B, hidden, H, W)
            x = F.gelu(gate) * value
        x = self.spatial_attention(x)
        return self.project_out(x)  # (B, dim, H, W)
