"""The direct generator: the network's output (input + learned residual) is the prediction.

This is how Restormer, CLIP-RPN and the DDSA transformer restore an image; the IR-SDE
generator replaces it by config for diffusion restoration.
"""
from typing import Any, Union

import torch
from torch import nn

from derain_toolkit.registry import GENERATORS


def _as_outputs(result: Union[torch.Tensor, dict[str, Any]]) -> dict[str, Any]:
    return dict(result) if isinstance(result, dict) else {'pred': result}


@GENERATORS.register_module()
class DirectGenerator(nn.Module):
    """One network call per prediction; pixel losses compare the prediction with the clean image."""

    def forward_train(self, network: nn.Module, inputs: torch.Tensor, gt: torch.Tensor,
                      **network_kwargs: Any) -> dict[str, Any]:
        """Returns the network's outputs with ``target = gt``; ``network_kwargs`` go to the network."""
        outputs = _as_outputs(network(inputs, **network_kwargs))
        outputs['target'] = gt
        return outputs

    def sample(self, network: nn.Module, inputs: torch.Tensor, **network_kwargs: Any) -> dict[str, Any]:
        """Returns the network's outputs with ``pred`` clamped to [0, 1]."""
        outputs = _as_outputs(network(inputs, **network_kwargs))
        outputs['pred'] = outputs['pred'].clamp(0, 1)
        return outputs
