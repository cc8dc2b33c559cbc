"""A loss summed over the outputs of every stage (or scale) of a multi-output network.

MPRNet (Zamir et al., CVPR 2021, Eq. 1) supervises each of its three stage outputs:
``L = Σ_S [L_char(X_S, Y) + λ L_edge(X_S, Y)]``; PReNet's recursive-supervision variant
(Ren et al., CVPR 2019, Sec. 3) likewise sums a loss over its recurrent stages. The networks return
their stage outputs under ``stages`` (the last is the prediction); this wrapper applies
any ``('pred', 'target')`` loss of ``LOSSES`` to each and sums the terms.

Multi-scale networks compare outputs at reduced resolution with a Gaussian pyramid of the
target: NeRD-Rain (Chen et al., CVPR 2024, Sec. 3.4; official ``train.py``) supervises its
outputs 0, 1, 2 (full, 1/2, 1/4 scale) with levels 0, 1, 2 of
``kornia.geometry.transform.build_pyramid(target, 3)`` and its outputs 3, 5 with levels
1, 2 (``indices`` and ``target_levels``). Level ``l + 1`` is kornia's ``pyrdown`` of level
``l``: the 5x5 binomial blur ``[1, 4, 6, 4, 1] / 16`` (each axis, reflection padding), then
bilinear resizing to ``(H // 2, W // 2)`` (``align_corners=False``).
"""
from collections.abc import Sequence
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.models.losses.base import DerainLoss, build_inner_loss
from derain_toolkit.registry import LOSSES

_BINOMIAL = (1.0, 4.0, 6.0, 4.0, 1.0)


def pyramid_down(x: torch.Tensor) -> torch.Tensor:
    """kornia's ``pyrdown``: (B, C, H, W) blurred, then resized bilinearly to (B, C, H // 2, W // 2)."""
    taps = torch.tensor(_BINOMIAL, dtype=x.dtype, device=x.device)
    kernel = (torch.outer(taps, taps) / 256).expand(x.shape[1], 1, 5, 5)  # (C, 1, 5, 5)
    blurred = F.conv2d(F.pad(x, (2, 2, 2, 2), mode='reflect'), kernel, groups=x.shape[1])
    return F.interpolate(blurred, size=(x.shape[-2] // 2, x.shape[-1] // 2), mode='bilinear', align_corners=False)


def gaussian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """``[x, pyrdown(x), pyrdown(pyrdown(x)), ...]``, ``levels`` entries (kornia's ``build_pyramid``)."""
    pyramid = [x]
    for _ in range(levels - 1):
        pyramid.append(pyramid_down(pyramid[-1]))
    return pyramid


@LOSSES.register_module()
class MultiStageLoss(DerainLoss):
    """``Σ_i loss(outputs[indices[i]], target_i)``, logged under the inner loss's name.

    Args:
        loss: ``LOSSES`` config of the per-stage loss; it must read ``('pred', 'target')``.
            Its weight is this wrapper's ``loss_weight``, so it takes none itself.
        key: Output holding the list of stage outputs (``'stages'``).
        indices: Which entries of that list to supervise (default all).
        target_levels: Per supervised entry, the level of the target's Gaussian pyramid it
            is compared with (0 is the target itself); default the target for every entry.
        loss_weight: Multiplier of the sum.
    """

    def __init__(self, loss: dict, key: str = 'stages', indices: Optional[Sequence[int]] = None,
                 target_levels: Optional[Sequence[int]] = None, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if target_levels is not None and (indices is None or len(indices) != len(target_levels)):
            raise ValueError('MultiStageLoss: target_levels names one pyramid level per supervised output, so it '
                             f'needs indices of the same length; got indices={indices}, target_levels={target_levels}')
        self.loss: nn.Module = build_inner_loss('MultiStageLoss', loss, '(stage output, target)')
        self.name = self.loss.name
        self.input_keys = (key, 'target')
        self.indices = None if indices is None else list(indices)
        self.target_levels = None if target_levels is None else list(target_levels)

    def forward(self, stages: list[torch.Tensor], target: torch.Tensor) -> torch.Tensor:
        if not stages:
            raise ValueError('MultiStageLoss got no stage outputs: the network returns an empty stage list')
        if self.indices is not None and max(self.indices) >= len(stages):
            raise ValueError(f'MultiStageLoss: indices {self.indices} name outputs the network does not return '
                             f'(it returns {len(stages)}); fix indices in the loss config')
        chosen = stages if self.indices is None else [stages[i] for i in self.indices]
        if self.target_levels is None:
            return sum(self.loss(stage, target) for stage in chosen)
        pyramid = gaussian_pyramid(target, max(self.target_levels) + 1)
        return sum(self.loss(stage, pyramid[level]) for stage, level in zip(chosen, self.target_levels))
