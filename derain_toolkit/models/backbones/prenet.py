"""PReNet: progressive recurrent network, one of the baselines of CLIP-RPN Tables 3/4 and DDSA Table 1.

Ren et al., "Progressive Image Deraining Networks: A Better and Simpler Baseline"
(CVPR 2019), Sec. 3 and Fig. 2 (PReNet: PRN with a recurrent layer). One stage, repeated ``T = 6``
times with shared weights:

- ``f_in``: ``conv3x3(cat(y, x^{t-1})) -> ReLU`` on the rainy image ``y`` and the previous
  estimate (``x^0 = y``), 6 -> 32 channels;
- ``f_recurrent``: a convolutional LSTM, ``i, f, g, o = σ, σ, tanh, σ (conv3x3(cat(x, h)))``,
  ``c = f ⊙ c + i ⊙ g``, ``h = o ⊙ tanh(c)`` (zero initial ``h`` and ``c``);
- ``f_res``: 5 residual blocks ``x <- ReLU(x + ReLU(conv(ReLU(conv(x)))))``;
- ``f_out``: ``conv3x3`` to 3 channels, and the estimate ``x^t = y + f_out(...)``.

Official equivalence: csdwren/PReNet at 6d908d1 (``networks.py``, class ``PReNet``,
``recurrent_iter=6``). The four LSTM gate convolutions of the official code
(``conv_i``, ``conv_f``, ``conv_g``, ``conv_o``, 64 -> 32 each) are one 64 -> 128
convolution here whose output chunks are the gates in the order i, f, g, o; the converter
(``checkpoints/converters/prenet.py``) concatenates the official weights in that order.
Checked against the official class imported from its file, its weights put into this one
through the converter (random inputs 1x3x37x53 and 2x3x64x64, float32 and float64):
max |diff| 0 (bit-identical) in float32 and float64, for the final output and every stage
output; the released ``logs/Rain100{L,H}/PReNet6/net_latest.pth`` load strictly and give
bit-identical outputs too. ``tests/checkpoints/test_prenet_converter.py`` repeats the check
on the official outputs stored in ``tests/fixtures/official_baselines``.
Parameters: 168,963 here and in the official class; convolution MACs at 1x3x256x256:
66.25 G (the official class under PyTorch's FLOP counter, and CLIP-RPN Table 4).

The network is fully convolutional at stride 1, so any H, W works without padding (the
official test script feeds whole images). The official ``forward`` returns
``(x^T, [x^1, ..., x^T])``; here ``dict(pred=x^T, stages=[x^1, ..., x^T])``. The paper's
model and the official ``train_PReNet.py`` train with the negative SSIM of ``x^T`` alone
(``SSIMLoss``); the paper's recursive-supervision variant (a loss on every stage) is a
``MultiStageLoss`` over ``stages``.
"""
import torch
from torch import nn

from derain_toolkit.registry import BACKBONES


class _ResBlock(nn.Module):
    """``ReLU(x + ReLU(conv(ReLU(conv(x)))))``: the official block ends both branches with a ReLU."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + x)


@BACKBONES.register_module()
class PReNet(nn.Module):
    """Args:
        in_channels: Image channels (the stage input is the image and the estimate, twice this).
        channels: Feature channels (32).
        stages: Recurrent stages ``T`` (6 in PReNet6, the paper's model).
        num_res_blocks: Residual blocks per stage (5).
    """

    @staticmethod
    def tiny_overrides(cfg: dict) -> dict:
        """The smoke budgets' variant (``configs/prenet_tiny_synthetic.py``'s sizes): 8 channels,
        3 stages, 2 residual blocks."""
        return dict(channels=8, stages=3, num_res_blocks=2)

    def __init__(self, in_channels: int = 3, channels: int = 32, stages: int = 6, num_res_blocks: int = 5) -> None:
        super().__init__()
        if stages < 1:
            raise ValueError(f'PReNet: stages must be >= 1, got {stages}')
        self.channels = channels
        self.stages = stages
        self.fuse = nn.Sequential(nn.Conv2d(2 * in_channels, channels, 3, padding=1), nn.ReLU())
        self.gates = nn.Conv2d(2 * channels, 4 * channels, 3, padding=1)  # i, f, g, o
        self.res_blocks = nn.Sequential(*[_ResBlock(channels) for _ in range(num_res_blocks)])
        self.out = nn.Conv2d(channels, in_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor | list[torch.Tensor]]:
        """Derain ``x`` (B, C, H, W): ``dict(pred=x^T, stages=[x^1, ..., x^T])``, each (B, C, H, W)."""
        batch, _, height, width = x.shape
        h = x.new_zeros(batch, self.channels, height, width)
        c = torch.zeros_like(h)
        estimate, stages = x, []
        for _ in range(self.stages):
            feat = self.fuse(torch.cat([x, estimate], dim=1))
            i, f, g, o = self.gates(torch.cat([feat, h], dim=1)).chunk(4, dim=1)  # each (B, channels, H, W)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            estimate = self.out(self.res_blocks(h)) + x
            stages.append(estimate)
        return dict(pred=estimate, stages=stages)
