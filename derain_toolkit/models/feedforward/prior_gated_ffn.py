"""Prior-Gated Feed-forward Network (PGFN): FADformer's feed-forward, gated by the residue-channel prior.

FADformer (Gao et al., "Efficient Frequency-Domain Image Deraining with Contrastive
Regularization", ECCV 2024), the PGFN of its FAD block (Fig. 2 of the paper). Reference: the
official deng-ai-lab/FADformer at 75a8835, ``models/FADformer.py``,
``Prior_Gated_Feed_forward_Network``; the paper text is not in ``../shared/papers``, so the
order of operations below is the code's.

Unlike the other feed-forward parts it reads and returns the prior map:
``forward(x, prior) -> (x, prior)`` (``prior_gated = True`` tells the block so).
"""
import torch
from torch import nn

from derain_toolkit.registry import FEEDFORWARDS


def _conv(in_channels: int, out_channels: int, kernel_size: int, bias: bool, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, groups=groups, bias=bias,
                     padding_mode='reflect')


@FEEDFORWARDS.register_module()
class PriorGatedFFN(nn.Module):
    """Hidden features gated by two maps drawn from the prior, which is updated on the way out.

    ``h = GELU(dw3x3(GELU(conv1x1(x))))``, split into halves ``h1, h2``;
    ``p = GELU(conv1x1(prior))`` (``hidden / 4`` channels), split into halves ``p1, p2``;
    ``g1 = sigmoid(conv3x3(p1))``, ``g2 = sigmoid(conv5x5(p2))`` (one channel each);
    ``x' = GELU(conv1x1([g1 * h1, g2 * h2]))`` and the next prior ``GELU(conv1x1([g1, g2]))``.

    Args:
        dim: Channels of ``x``.
        expansion_factor: Hidden width ``int(dim * expansion_factor)`` (2 in FADformer), a
            multiple of 8 (two halves, a prior width of a quarter split in two).
        bias: Biases in the convolutions.
    """

    prior_gated = True

    def __init__(self, dim: int, expansion_factor: float = 2.0, bias: bool = True) -> None:
        super().__init__()
        hidden = int(dim * expansion_factor)
        if hidden % 8:
            raise ValueError(f'PriorGatedFFN: the hidden width int(dim * expansion_factor) = {hidden} '
                             f'(dim {dim}, expansion_factor {expansion_factor}) must be a multiple of 8')
        self.half = hidden // 2
        self.prior_half = hidden // 8
        self.project_in = nn.Sequential(_conv(dim, hidden, 1, bias), nn.GELU())
        self.dwconv = nn.Sequential(_conv(hidden, hidden, 3, bias, groups=hidden), nn.GELU())
        self.prior_in = nn.Sequential(_conv(1, hidden // 4, 1, bias), nn.GELU())
        self.gate3 = nn.Sequential(_conv(self.prior_half, 1, 3, bias), nn.Sigmoid())
        self.gate5 = nn.Sequential(_conv(self.prior_half, 1, 5, bias), nn.Sigmoid())
        self.project_out = nn.Sequential(_conv(hidden, dim, 1, bias), nn.GELU())
        self.prior_out = nn.Sequential(_conv(2, 1, 1, bias), nn.GELU())

    def forward(self, x: torch.Tensor, prior: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Args:
            x: Features (B, C, H, W).
            prior: Prior map (B, 1, H, W).

        Returns:
            The features (B, C, H, W) and the next prior map (B, 1, H, W).
        """
        h1, h2 = torch.split(self.dwconv(self.project_in(x)), self.half, dim=1)  # 2 x (B, hidden/2, H, W)
        p1, p2 = torch.split(self.prior_in(prior), self.prior_half, dim=1)  # 2 x (B, hidden/8, H, W)
        g1, g2 = self.gate3(p1), self.gate5(p2)  # 2 x (B, 1, H, W)
        x = self.project_out(torch.cat([g1 * h1, g2 * h2], dim=1))
        return x, self.prior_out(torch.cat([g1, g2], dim=1))
