"""The base class every loss in ``LOSSES`` derives from (contract in docs/ARCHITECTURE.md)."""
import torch
from torch import nn

from derain_toolkit.registry import LOSSES


def without_autocast(device: torch.device) -> torch.autocast:
    """A context computing in the tensors' own precision under mixed-precision training (the
    ``meta`` device of the placement checks has no autocast: the CPU's is switched off there)."""
    return torch.autocast(device_type='cpu' if device.type == 'meta' else device.type, enabled=False)


class DerainLoss(nn.Module):
    """A weighted loss term that names the model outputs it reads.

    The :class:`~derain_toolkit.models.derainer.Derainer` calls
    ``loss(*[outputs[key] for key in loss.input_keys])`` and logs the weighted result
    as ``loss_<name>``.

    Args:
        loss_weight: Multiplier of this term in the total loss.
    """

    name: str = 'loss'
    input_keys: tuple[str, ...] = ('pred', 'target')

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight


def build_inner_loss(wrapper: str, cfg: dict, applies_to: str) -> DerainLoss:
    """The ``('pred', 'target')`` loss of ``cfg`` that the loss ``wrapper`` applies to ``applies_to``
    (other outputs than ``pred``); its weight is the wrapper's, so ``cfg`` gives none."""
    if 'loss_weight' in cfg:
        raise ValueError(f'{wrapper}: give the weight to the wrapper (loss_weight=...), not to the inner loss; '
                         f'got loss={cfg}')
    loss = LOSSES.build(cfg)
    if tuple(loss.input_keys) != ('pred', 'target'):
        raise ValueError(f'{wrapper} applies its inner loss to {applies_to}; '
                         f'{type(loss).__name__} reads {loss.input_keys}')
    return loss
