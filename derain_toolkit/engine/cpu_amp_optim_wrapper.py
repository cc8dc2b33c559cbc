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
from mmengine.registry import OPTIM_WRAPPERS
from torch import nn


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward context autocasts to bfloat16 on CPU.

    Registered in mmengine's ``OPTIM_WRAPPERS`` (the toolkit's registry.py has no
    optimiser-wrapper child), so configs name it as ``type='CPUAmpOptimWrapper'``.
    """

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """mmengine's context (gradient sync control) plus bfloat16 autocast."""
        with super().optim_context(model), torch.autocast(device_type='cpu', dtype=torch.bfloat16):
            yield
