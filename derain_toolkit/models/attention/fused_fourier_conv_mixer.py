"""Fused Fourier Conv Mixer (FFCM): FADformer's token mixer, local convolutions fused in the spectrum.

FADformer (Gao et al., "Efficient Frequency-Domain Image Deraining with Contrastive
Regularization", ECCV 2024), the FFCM of its FAD block (Fig. 2 of the paper). Reference:
the official deng-ai-lab/FADformer at 75a8835, ``models/FADformer.py``,
``Fused_Fourier_Conv_Mixer`` with ``Freq_Fusion``; the paper text is not in
``../shared/papers``, so the order of operations below is the code's.

A head-free token mixer: ``cls(dim, bias)``; FADformer's block (``layers/fad_block.py``)
fills in ``dim`` only.
"""
import torch
from torch import nn

from derain_toolkit.models.layers.fourier_unit import FourierUnit
from derain_toolkit.registry import ATTENTION


def _conv_gelu(in_channels: int, out_channels: int, kernel_size: int = 1, groups: int = 1,
               bias: bool = True) -> nn.Sequential:
    """Conv (reflect padding, keeps the size) + GELU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, groups=groups, bias=bias,
                  padding_mode='reflect'),
        nn.GELU())


class _FrequencyFusion(nn.Module):
    """The official ``Freq_Fusion``: ``ReLU(BN(F(x0) + x0))``, x0 = each half through 1x1 conv + GELU, F the Fourier unit.

    ``conv_mid`` is built by the official constructor and never called; it is kept so that the
    released weights load (477,696 of FADformer's 7,435,737 parameters; ``utils/complexity.py``
    counts parameters both with and without it).
    """

    def __init__(self, dim: int, bias: bool) -> None:
        super().__init__()
        self.dim = dim
        self.proj_local3 = _conv_gelu(dim, dim, bias=bias)
        self.proj_local5 = _conv_gelu(dim, dim, bias=bias)
        self.conv_mid = _conv_gelu(dim * 2, dim, bias=bias)
        self.fourier = FourierUnit(dim * 2, dim * 2)
        self.norm = nn.BatchNorm2d(dim * 2)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        local3, local5 = torch.split(x, self.dim, dim=1)  # 2 x (B, C, H, W)
        x0 = torch.cat([self.proj_local3(local3), self.proj_local5(local5)], dim=1)  # (B, 2C, H, W)
        return self.relu(self.norm(self.fourier(x0) + x0))


@ATTENTION.register_module()
class FusedFourierConvMixer(nn.Module):
    """FFCM: 1x1 conv, 3x3 and 5x5 depth-wise branches, their spectral fusion, channel attention.

    ``x -> project_in`` (1x1 conv to ``2C`` + GELU; only its first ``C`` channels are used, as in
    the official code) ``-> [dw3x3, dw5x5]`` (each + GELU) ``-> fusion`` (the Fourier unit on
    the concatenated ``2C`` channels, residual, BN, ReLU) ``-> project_out`` (1x1 conv to
    ``C``, 3x3 depth-wise conv, GELU) ``-> y * CA(y)`` (average pool, 1x1 conv to ``C/4``,
    GELU, 1x1 conv, sigmoid). All spatial convolutions pad by reflection.

    Args:
        dim: Channels ``C`` (a multiple of 4 for the channel attention's ``C/4``).
        bias: Biases in the convolutions (the Fourier unit's never has one).
    """

    def __init__(self, dim: int, bias: bool = True) -> None:
        super().__init__()
        if dim % 4:
            raise ValueError(f'FusedFourierConvMixer: dim must be a multiple of 4 (its channel attention '
                             f'squeezes to dim // 4), got {dim}')
        self.dim = dim
        self.project_in = _conv_gelu(dim, dim * 2, bias=bias)
        self.local3 = _conv_gelu(dim, dim, kernel_size=3, groups=dim, bias=bias)
        self.local5 = _conv_gelu(dim, dim, kernel_size=5, groups=dim, bias=bias)
        self.fusion = _FrequencyFusion(dim, bias)
        self.project_out = nn.Sequential(
            nn.Conv2d(dim * 2, dim, kernel_size=1, bias=bias),
            nn.Conv2d(dim, dim, kernel_size=3, padding=1, groups=dim, bias=bias, padding_mode='reflect'),
            nn.GELU())
        self.channel_attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(dim, dim // 4, kernel_size=1, bias=bias),
            nn.GELU(),
            nn.Conv2d(dim // 4, dim, kernel_size=1, bias=bias),
            nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.project_in(x)[:, :self.dim]  # (B, C, H, W): the official code drops the other C channels
        x = self.fusion(torch.cat([self.local3(x), self.local5(x)], dim=1))  # (B, 2C, H, W)
        x = self.project_out(x)  # (B, C, H, W)
        return self.channel_attention(x) * x
