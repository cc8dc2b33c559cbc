"""The Charbonnier loss plugin: importing this package registers ``CharbonnierLoss`` in ``LOSSES``."""
from plugins.charbonnier_loss.charbonnier_loss import CharbonnierLoss

__all__ = ['CharbonnierLoss']
