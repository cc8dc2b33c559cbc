"""The log-cosh loss plugin: importing this package registers ``LogCoshLoss`` in ``LOSSES``."""
from plugins.log_cosh_loss.log_cosh_loss import LogCoshLoss

__all__ = ['LogCoshLoss']
