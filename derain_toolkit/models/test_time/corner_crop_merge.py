"""FADformer's ``test_merge``: the four corner crops of a multiple-of-4 size, averaged.

FADformer (ECCV 2024) reports its table with this procedure (official
``predict_with_metrics.py``, ``test_merge``, "option2 ... to reproduce the performance
table in our paper") instead of padding the image.
"""
from typing import Callable

import torch
from torch import nn

from derain_toolkit.registry import TEST_TIME


@TEST_TIME.register_module()
class CornerCropMerge(nn.Module):
    """Predict the four corner crops of size ``(H - H % m, W - W % m)`` and average them.

    The crops are taken top-left, bottom-left, bottom-right, top-right (the official
    order); each prediction is clamped to [0, 1] (the Derainer's ``predict`` already
    clamps), summed into place, divided by the number of crops covering each pixel and
    clamped again. When H and W are already multiples of ``m`` the four crops are the
    whole image and it is predicted once.

    Args:
        multiple: ``m``, the size multiple the network needs (FADformer: 4).
    """

    def __init__(self, multiple: int = 4) -> None:
        super().__init__()
        if multiple < 1:
            raise ValueError(f'CornerCropMerge: multiple must be >= 1, got {multiple}')
        self.multiple = multiple

    def forward(self, predict: Callable[[torch.Tensor], torch.Tensor], inputs: torch.Tensor) -> torch.Tensor:
        """Args:
            predict: Maps a batch (B, 3, h, w) to its prediction (B, 3, h, w).
            inputs: Rainy images (B, 3, H, W).

        Returns:
            The merged prediction (B, 3, H, W) in [0, 1].
        """
        height, width = inputs.shape[-2:]
        crop_h, crop_w = height - height % self.multiple, width - width % self.multiple
        if crop_h == 0 or crop_w == 0:
            raise ValueError(f'CornerCropMerge: an image of {height}x{width} has no {self.multiple}-multiple '
                             f'crop; it needs at least {self.multiple} pixels each way')
        if (crop_h, crop_w) == (height, width):
            return predict(inputs).clamp(0, 1)
        corners = ((0, 0), (height - crop_h, 0), (height - crop_h, width - crop_w), (0, width - crop_w))
        total = inputs.new_zeros(inputs.shape)
        count = inputs.new_zeros((1, 1, height, width))
        for top, left in corners:
            window = (..., slice(top, top + crop_h), slice(left, left + crop_w))
            total[window] += predict(inputs[window]).clamp(0, 1)  # (B, 3, crop_h, crop_w)
            count[window] += 1
        return (total / count).clamp(0, 1)
