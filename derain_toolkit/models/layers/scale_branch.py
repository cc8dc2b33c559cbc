"""One scale of NeRD-Rain: a patch embedding, U-Nets in sequence, a convolution to the image.

NeRD-Rain (Chen et al., CVPR 2024), Sec. 3.1 and Fig. 2: the 1/4, 1/2 and full scales run
1, 2 and 3 transformer U-Nets (:class:`TransformerUNet`); between two U-Nets a 3x3
"context" convolution maps the decoder's features to the next U-Net's input. Official
``model.py``: ``patch_embed_{small,mid,max}``, ``output_mid_context``,
``output_max_context{1,2}``, ``output_{small,mid,max}``.
"""
from collections.abc import Sequence
from typing import Optional

import torch
from torch import nn

from derain_toolkit.models.layers.transformer_unet import TransformerUNet


class ScaleBranch(nn.Module):
    """Args:
        num_unets: U-Nets in sequence at this scale.
        in_channels: Image channels in and out.
        dim: Channels of the first level of every U-Net.
        bias: Biases in the context and output convolutions (never in the patch embedding,
            as in the official ``OverlapPatchEmbed``).
        **unet: The remaining :class:`TransformerUNet` arguments.
    """

    def __init__(self, num_unets: int, in_channels: int, dim: int, bias: bool, **unet) -> None:
        super().__init__()
        self.patch_embed = nn.Conv2d(in_channels, dim, kernel_size=3, padding=1, bias=False)
        self.unets = nn.ModuleList(TransformerUNet(dim, bias=bias, **unet) for _ in range(num_unets))
        self.contexts = nn.ModuleList(
            nn.Conv2d(dim, dim, kernel_size=3, padding=1, bias=bias) for _ in range(num_unets - 1))
        self.output = nn.Conv2d(dim, in_channels, kernel_size=3, padding=1, bias=bias)

    def encode_first(self, image: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The first U-Net's encoder on the embedded ``image``: its latent and skips."""
        return self.unets[0].encode(self.patch_embed(image))

    def forward(self, first: tuple[torch.Tensor, list[torch.Tensor]], additions: Sequence[Optional[torch.Tensor]],
                last_reduces: Optional[Sequence[nn.Module]] = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Run the U-Nets from the first one's encoded latent on.

        Args:
            first: What :meth:`encode_first` returned.
            additions: Per U-Net, a map added to its latent before its decoder, or None.
            last_reduces: Skip reductions for the last U-Net's decoder (default its own).

        Returns:
            The last decoder's features (B, dim, H, W) and every U-Net's latent as encoded,
            before any addition.
        """
        latent, skips = first
        latents = [latent]
        for k, unet in enumerate(self.unets):
            if k > 0:
                latent, skips = unet.encode(self.contexts[k - 1](feat))
                latents.append(latent)
            if additions[k] is not None:
                latent = latent + additions[k]
            feat = unet.decode(latent, skips, last_reduces if k == len(self.unets) - 1 else None)
        return feat, latents
