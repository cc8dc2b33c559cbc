"""NeRD-Rain's windowed test: fixed-size windows predicted as one batch and pasted back.

NeRD-Rain (CVPR 2024) reports its tables with this procedure (official cschenxiang/NeRD-Rain
at 295f4fd, ``test.py`` with ``--win_size 256``, ``layers.py`` ``window_partitionx`` /
``window_reversex``): the image is cut into the grid of whole ``w x w`` windows from the
top-left corner, plus, where H or W is not a multiple of ``w``, a column of windows flush
with the right edge, a row flush with the bottom edge and the bottom-right corner window.
All windows go through the network as one batch (grid row-major, then the right column, the
bottom row, the corner; batch-major within each group, as the official code orders them).
Each pixel is taken from the grid window that holds it, else from the edge window: where an
edge window overlaps the grid, the grid's prediction is kept (overwritten, not averaged).
"""
from typing import Callable

import torch
from torch import nn

from derain_toolkit.registry import TEST_TIME


@TEST_TIME.register_module()
class WindowPartition(nn.Module):
    """Predict ``window_size`` x ``window_size`` windows in one batch and paste them back.

    Args:
        window_size: ``w`` (official 256). Images must be at least ``w`` on each side.
    """

    @staticmethod
    def tiny_overrides(cfg: dict) -> dict:
        """The smoke budgets' variant: windows of at most 32 pixels, the smallest budget's image side."""
        return dict(window_size=min(32, cfg.get('window_size', 256)))

    def __init__(self, window_size: int = 256) -> None:
        super().__init__()
        if window_size < 1:
            raise ValueError(f'WindowPartition: window_size must be >= 1, got {window_size}')
        self.window_size = window_size

    def windows(self, height: int, width: int) -> list[list[tuple[int, int]]]:
        """Top-left corners of the windows of an ``height`` x ``width`` image, in groups: the grid, the
        right column, the bottom row, the corner (the last three only where the image overhangs the grid)."""
        size = self.window_size
        grid_rows = list(range(0, height - height % size, size))
        grid_cols = list(range(0, width - width % size, size))
        groups = [[(top, left) for top in grid_rows for left in grid_cols]]
        if width % size:
            groups.append([(top, width - size) for top in grid_rows])
        if height % size:
            groups.append([(height - size, left) for left in grid_cols])
        if width % size and height % size:
            groups.append([(height - size, width - size)])
        return groups

    def forward(self, predict: Callable[[torch.Tensor], torch.Tensor], inputs: torch.Tensor) -> torch.Tensor:
        """Args:
            predict: Maps a batch (N, 3, w, w) to its prediction (N, 3, w, w) in [0, 1].
            inputs: Rainy images (B, 3, H, W), H and W at least ``w``.

        Returns:
            The pasted prediction (B, 3, H, W).
        """
        batch, _, height, width = inputs.shape
        size = self.window_size
        if height < size or width < size:
            raise ValueError(f'WindowPartition: an image of {height}x{width} is smaller than the {size}x{size} '
                             'windows (the official test.py needs at least that); lower '
                             'model.test_time.window_size or leave model.test_time out for this data')
        groups = self.windows(height, width)
        crops = [torch.stack([inputs[..., t:t + size, l:l + size] for t, l in group], dim=1).flatten(0, 1)
                 for group in groups]  # per group (B * n, 3, w, w), batch-major
        preds = predict(torch.cat(crops)).split([len(group) * batch for group in groups])
        out = inputs.new_zeros(inputs.shape)
        # The edge windows first, so that the grid's predictions overwrite them where they overlap.
        for group, pred in reversed(list(zip(groups, preds))):
            pred = pred.unflatten(0, (batch, len(group)))  # (B, n, 3, w, w)
            for i, (top, left) in enumerate(group):
                out[..., top:top + size, left:left + size] = pred[:, i]
        return out
