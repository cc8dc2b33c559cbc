"""Parameter and multiply-accumulate counts, with PyTorch's own FLOP counter.

Convolution MACs are what Restormer's and CLIP-RPN's tables quote (Table 4); the
attention matrix products (``q @ k^T``, ``attn @ v``) are counted separately so both
conventions can be reported.
"""
import copy

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

_CONV_OPS = ('convolution',)
_MATMUL_OPS = ('mm', 'bmm', 'addmm', 'baddbmm', 'matmul', '_scaled_dot_product')


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (all, or only those with ``requires_grad``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def count_macs(model: nn.Module, inputs: torch.Tensor, **forward_kwargs) -> dict[str, float]:
    """MACs of one ``model(inputs)`` call, split into convolutions and matrix products.

    FLOPs are counted by :class:`torch.utils.flop_counter.FlopCounterMode` and halved.
    The model runs for real on ``inputs``' device; pass tensors on the ``'meta'``
    device (with the model moved there) to count without computing.

    Returns:
        ``dict(conv=..., matmul=..., other=..., total=...)`` in MACs.
    """
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(inputs, **forward_kwargs)
    macs = {'conv': 0.0, 'matmul': 0.0, 'other': 0.0}
    for op, flops in counter.get_flop_counts()['Global'].items():
        name = str(op).split('.')[1] if '.' in str(op) else str(op)
        if any(name.startswith(prefix) for prefix in _CONV_OPS):
            macs['conv'] += flops / 2
        elif any(name.startswith(prefix) for prefix in _MATMUL_OPS):
            macs['matmul'] += flops / 2
        else:
            macs['other'] += flops / 2
    macs['total'] = macs['conv'] + macs['matmul'] + macs['other']
    return macs


def count_macs_on_meta(model: nn.Module, shape: tuple[int, ...] = (1, 3, 256, 256),
                       **forward_kwargs) -> dict[str, float]:
    """:func:`count_macs` on a copy of ``model`` on the meta device (no memory, no compute)."""
    meta_model = copy.deepcopy(model).to('meta')
    return count_macs(meta_model, torch.empty(shape, device='meta'), **forward_kwargs)
