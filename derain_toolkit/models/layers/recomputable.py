"""Activation checkpointing: blocks that recompute their activations in the backward pass.

Gradient checkpointing (Chen et al., "Training Deep Nets with Sublinear Memory Cost",
2016): a block run under ``torch.utils.checkpoint`` keeps only its inputs during the
forward pass and runs its forward again when the backward pass reaches it, trading one
more forward per block for the memory of its intermediate activations. OpenMMLab
backbones expose it as ``with_cp``; here a block opts in by deriving from
:class:`Recomputable`, and ``Derainer(activation_checkpointing=True)``
(``--cfg-options model.activation_checkpointing=True``) switches it on for every such
block of the model. A plugin block gets the same treatment by deriving from it.

Blocks with BatchNorm in training mode must not opt in: the recomputed forward would
update the running statistics a second time.
"""
from typing import Any

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint


class Recomputable(nn.Module):
    """A block whose forward is recomputed in the backward pass when ``recompute`` is set.

    ``recompute`` is an instance attribute (not a buffer): the state dict, a deep copy
    (EMA) and inference without gradients are unaffected. The non-reentrant checkpoint
    takes keyword arguments, inputs that need no gradient and the RNG state (dropout).
    """

    recompute: bool = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.recompute and self.training and torch.is_grad_enabled():
            return checkpoint(super().__call__, *args, use_reentrant=False, **kwargs)
        return super().__call__(*args, **kwargs)


def enable_activation_checkpointing(model: nn.Module) -> int:
    """Set ``recompute`` on every outermost :class:`Recomputable` block of ``model``.

    A block inside a recomputed block is recomputed with it, so it is left alone.

    Returns:
        The number of blocks switched on (0 means the model has no such blocks).
    """
    def visit(module: nn.Module) -> int:
        if isinstance(module, Recomputable):
            module.recompute = True
            return 1
        return sum(visit(child) for child in module.children())

    return visit(model)
