"""Negative PSNR per image: the PSNR loss of HINet (Chen et al., CVPRW 2021) and NAFNet (ECCV 2022).

``L = (10 / ln 10) · mean_i log(MSE_i + ε)``, MSE_i over the pixels and channels of image i of
the batch: minus the mean PSNR of the batch in dB (up to a constant; images in [0, 1]). Each
image's gradient is scaled by ``1 / MSE_i``, so an image the network barely needs to change
(light rain) weighs as much as a heavily rained one, as in the mean PSNR a test set reports.
"""
import math

import torch

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES


@LOSSES.register_module()
class PSNRLoss(DerainLoss):
    """Args:
        eps: Added to each image's MSE (keeps the logarithm finite at a perfect prediction).
        loss_weight: Multiplier of this term.
    """

    name = 'psnr'

    def __init__(self, eps: float = 1e-8, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.eps = eps

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        mse = (pred - target).pow(2).flatten(1).mean(dim=1)  # (B,)
        return 10 / math.log(10) * torch.log(mse + self.eps).mean()
