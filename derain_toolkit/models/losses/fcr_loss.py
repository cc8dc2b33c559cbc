"""Frequency Contrastive Regularization (FCR): FADformer's contrastive loss in the Fourier domain.

FADformer (Gao et al., "Efficient Frequency-Domain Image Deraining with Contrastive
Regularization", ECCV 2024), the FCR of its training objective ``L1(out, gt) + 0.1 * FCR(out,
gt, rainy)``. Reference: the official deng-ai-lab/FADformer at 75a8835, ``models/FCR.py``
(``FCR``, ``sample_with_j``) and ``train_*.py``; the paper text is not in ``../shared/papers``.

With ``F`` the 2-D FFT over (H, W) (``torch.fft.fft2``, no normalisation) and
``d(u, v) = mean |F(u) - F(v)|`` (the mean modulus of the complex difference, over C, H, W):
for each sample ``i`` the anchor ``a_i`` is the restored image, the positive ``p_i`` its clean
target and the negatives the rainy inputs ``n_j`` for ``j`` in ``J_i`` = ``[i]`` plus
``num_negatives - 1`` other batch indices drawn without replacement::

    FCR = 1 / (K B) * sum_i sum_{j in J_i} d(a_i, p_i) / (d(a_i, n_j) + eps),   K = num_negatives.

The other indices are drawn with Python's ``random.sample`` from the batch indices but ``i``,
in ascending order, one call per sample in batch order, as the official ``sample_with_j``
does: with the same seed the same pairs come out.
"""
import random
from collections.abc import Callable
from typing import Optional

import torch

from derain_toolkit.models.losses.base import DerainLoss, without_autocast
from derain_toolkit.registry import LOSSES


@LOSSES.register_module()
class FCRLoss(DerainLoss):
    """Args:
        loss_weight: Weight of the term (0.1 in FADformer).
        num_negatives: ``K``, negatives per sample: its own rainy input and ``K - 1`` others
            (2 in FADformer; the batch needs more than ``K`` samples).
        eps: Added to each anchor-negative distance (1e-7 in FADformer).
        seed: Seed of this loss's own ``random.Random`` for the negatives; ``None`` draws from
            Python's global ``random`` (as the official code; mmengine's ``randomness.seed``
            seeds it).
    """

    name = 'fcr'
    input_keys = ('pred', 'target', 'inputs')

    def __init__(self, loss_weight: float = 0.1, num_negatives: int = 2, eps: float = 1e-7,
                 seed: Optional[int] = None) -> None:
        super().__init__(loss_weight)
        if num_negatives < 1:
            raise ValueError(f'FCRLoss: num_negatives must be >= 1 (the sample\'s own rainy input), got {num_negatives}')
        self.num_negatives = num_negatives
        self.eps = eps
        self._sample: Callable[[list[int], int], list[int]] = (
            random.sample if seed is None else random.Random(seed).sample)

    def negatives(self, batch: int) -> list[list[int]]:
        """``J_i`` for each sample ``i``: ``[i]`` then ``K - 1`` other indices (draws from the generator)."""
        if batch <= self.num_negatives:
            raise ValueError(f'FCRLoss draws {self.num_negatives - 1} other rainy input(s) per sample from the batch, '
                             f'so it needs a batch larger than num_negatives={self.num_negatives}; got {batch}. '
                             'Raise train_dataloader.batch_size or lower num_negatives.')
        return [[i] + self._sample([j for j in range(batch) if j != i], self.num_negatives - 1)
                for i in range(batch)]

    def forward(self, pred: torch.Tensor, target: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        """Args:
            pred: Restored images, the anchors (B, C, H, W).
            target: Clean images, the positives (B, C, H, W).
            inputs: Rainy images, the negatives (B, C, H, W).
        """
        index = torch.tensor(self.negatives(pred.shape[0]), device=pred.device)  # (B, K)
        dtype = torch.promote_types(pred.dtype, torch.float32)
        with without_autocast(pred.device):
            anchor, positive, negative = (torch.fft.fft2(x.to(dtype)) for x in (pred, target, inputs))
            d_ap = (anchor - positive).abs().mean(dim=(1, 2, 3))  # (B,)
            d_an = (anchor.unsqueeze(1) - negative[index]).abs().mean(dim=(2, 3, 4))  # (B, K)
            return (d_ap.unsqueeze(1) / (d_an + self.eps)).sum() / index.numel()
