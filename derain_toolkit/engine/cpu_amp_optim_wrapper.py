"""Mixed-precision training on CPU (``tools/train.py --amp --device cpu``).

mmengine's ``AmpOptimWrapper`` refuses to start without a GPU. On CPU, autocast
supports bfloat16, whose exponent range equals float32's, so no loss scaling is
needed: this wrapper only runs the forward pass (data preprocessing, network,
losses) under ``torch.autocast('cpu', dtype=torch.bfloat16)``; backward and the
optimiser step stay in float32 as with the plain ``OptimWrapper``.
"""
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from derain_toolkit.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward context autocasts to bfloat16 on CPU."""

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """mmengine's context (gradient sync control) plus bfloat16 autocast."""
        with super().optim_context(model), torch.autocast(device_type='cpu', dtype=torch.bfloat16):
            yield
