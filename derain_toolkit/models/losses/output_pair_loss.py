"""Any ``(pred, target)`` loss applied to two other named outputs of the model.

A generator may return more than its trained prediction: IR-SDE's :meth:`forward_train` also returns
``clean``, the clean image x̂0 its network implies at the sampled time (Eq. 7 solved for x0), beside
the reverse-SDE step it is trained on. ``OutputPairLoss(loss=dict(type='PSNRLoss'), pred_key='clean',
target_key='gt')`` supervises that estimate directly, the x0-objective of diffusion models
(e.g. DDPM's "predict x0" parametrisation, Ho et al. 2020, Sec. 3.2), as an extra term.
"""
import torch
from torch import nn

from derain_toolkit.models.losses.base import DerainLoss, build_inner_loss
from derain_toolkit.registry import LOSSES


@LOSSES.register_module()
class OutputPairLoss(DerainLoss):
    """``loss(outputs[pred_key], outputs[target_key])``, logged as ``loss_<inner name>_<pred_key>``.

    Args:
        loss: ``LOSSES`` config of a loss reading ``('pred', 'target')``; its weight is this wrapper's.
        pred_key: Model output compared (e.g. ``'clean'``).
        target_key: Model output it is compared with (e.g. ``'gt'``, the clean image).
        loss_weight: Multiplier of this term.
    """

    def __init__(self, loss: dict, pred_key: str, target_key: str = 'gt', loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        self.loss: nn.Module = build_inner_loss('OutputPairLoss', loss, f'({pred_key}, {target_key})')
        self.name = f'{self.loss.name}_{pred_key}'
        self.input_keys = (pred_key, target_key)

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.loss(pred, target)
