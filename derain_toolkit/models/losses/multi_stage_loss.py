"""A loss summed over the outputs of every stage of a multi-stage network.

MPRNet (Zamir et al., CVPR 2021, Eq. 1) supervises each of its three stage outputs:
``L = Σ_S [L_char(X_S, Y) + λ L_edge(X_S, Y)]``; PReNet's recursive-supervision variant
(Ren et al., CVPR 2019, Sec. 3) likewise sums a loss over its recurrent stages. The networks return
their stage outputs under ``stages`` (the last is the prediction); this wrapper applies
any ``('pred', 'target')`` loss of ``LOSSES`` to each and sums the terms.
"""
import torch
from torch import nn

from derain_toolkit.models.losses.base import DerainLoss
from derain_toolkit.registry import LOSSES


@LOSSES.register_module()
class MultiStageLoss(DerainLoss):
    """``Σ_s loss(stages[s], target)``, logged under the inner loss's name.

    Args:
        loss: ``LOSSES`` config of the per-stage loss; it must read ``('pred', 'target')``.
            Its weight is this wrapper's ``loss_weight``, so it takes none itself.
        key: Output holding the list of stage outputs (``'stages'``).
        loss_weight: Multiplier of the sum.
    """

    def __init__(self, loss: dict, key: str = 'stages', loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if 'loss_weight' in loss:
            raise ValueError(f'MultiStageLoss: give the weight to the wrapper (loss_weight=...), not to the inner '
                             f'loss; got loss={loss}')
        self.loss: nn.Module = LOSSES.build(loss)
        if tuple(self.loss.input_keys) != ('pred', 'target'):
            raise ValueError(f'MultiStageLoss applies its inner loss to (stage output, target); '
                             f'{type(self.loss).__name__} reads {self.loss.input_keys}')
        self.name = self.loss.name
        self.input_keys = (key, 'target')

    def forward(self, stages: list[torch.Tensor], target: torch.Tensor) -> torch.Tensor:
        if not stages:
            raise ValueError('MultiStageLoss got no stage outputs: the network returns an empty stage list')
        return sum(self.loss(stage, target) for stage in stages)
