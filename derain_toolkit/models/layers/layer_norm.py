"""Channel LayerNorm for (B, C, H, W) feature maps, as in Restormer (Zamir et al., CVPR 2022, Sec. 3)."""
import torch
from torch import nn


class LayerNorm2d(nn.Module):
    """Normalise each pixel's channel vector to zero mean and unit variance.

    Args:
        dim: Number of channels.
        bias: ``True`` is Restormer's "WithBias" variant (learned shift, mean removed);
            ``False`` is "BiasFree" (no shift, the mean is kept, only scaled by the RMS
            around it).
        eps: Added to the variance.
    """

    def __init__(self, dim: int, bias: bool = True, eps: float = 1e-5) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim)) if bias else None
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=1, keepdim=True)
        var = x.var(dim=1, keepdim=True, unbiased=False)
        weight = self.weight[None, :, None, None]
        if self.bias is None:
            return x / torch.sqrt(var + self.eps) * weight
        return (x - mean) / torch.sqrt(var + self.eps) * weight + self.bias[None, :, None, None]
