"""The DA-CLIP image controller (DA-CLIP paper Sec. III-A, Fig. 3).

A trainable copy of the CLIP ViT image encoder. After each of its transformer blocks, a
zero-initialised ``Linear(width, width)`` maps the copy's tokens to a control that is added
to the residual stream of the frozen encoder after the same block (the official code
adds ``control`` to the frozen block's output). The controller's own pooled, projected
output is the image degradation embedding ``e_d^I``; the frozen encoder driven by the
controls outputs the content embedding ``e_c^I``. Because the connections start at zero,
the frozen encoder's output is unchanged at initialisation.

Works with open_clip 3.x ``VisionTransformer`` (class-token or average pooling, with or
without projection); the ViT is walked block by block through its ``_embeds`` and
``_pool`` steps.
"""
import copy

import torch
from torch import nn


def _run_blocks(visual: nn.Module, tokens: torch.Tensor, controls: list[torch.Tensor] | None = None,
                control_layers: nn.ModuleList | None = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run the transformer blocks of ``visual`` on (B, L, width) tokens.

    With ``controls``, ``controls[i]`` is added after block ``i``; with ``control_layers``,
    ``control_layers[i]`` of the output of block ``i`` is returned as the i-th control.
    """
    transformer = visual.transformer
    x = tokens if transformer.batch_first else tokens.transpose(0, 1)  # (B, L, width) or (L, B, width)
    produced = []
    for i, block in enumerate(transformer.resblocks):
        x = block(x)
        if control_layers is not None:
            produced.append(control_layers[i](x))
        if controls is not None:
            x = x + controls[i]
    x = x if transformer.batch_first else x.transpose(0, 1)  # (B, L, width)
    return x, produced


def _pool_and_project(visual: nn.Module, x: torch.Tensor) -> torch.Tensor:
    pooled, _ = visual._pool(x)  # (B, width)
    if visual.proj is not None:
        pooled = pooled @ visual.proj  # (B, embed_dim)
    return pooled


class DAClipController(nn.Module):
    """Trainable controller joined to a frozen open_clip ViT by zero-initialised linears.

    Args:
        visual: The frozen open_clip ``VisionTransformer``; the controller starts as its
            copy. It is not registered as a submodule here (the DA-CLIP model owns it).
    """

    def __init__(self, visual: nn.Module) -> None:
        super().__init__()
        for name in ('transformer', '_embeds', '_pool', 'proj'):
            if not hasattr(visual, name):
                raise TypeError(f'DAClipController needs an open_clip VisionTransformer (with {name!r}); got '
                                f'{type(visual).__name__}. Use a ViT CLIP model such as ViT-B-32.')
        self.encoder = copy.deepcopy(visual)
        self.encoder.requires_grad_(True)
        width = visual.transformer.width
        self.zero_linears = nn.ModuleList(nn.Linear(width, width) for _ in visual.transformer.resblocks)
        for linear in self.zero_linears:
            nn.init.zeros_(linear.weight)
            nn.init.zeros_(linear.bias)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Args:
            image: Normalised CLIP input (B, 3, S, S).

        Returns:
            The degradation embedding (B, embed_dim) and one control (B, L, width) per block.
        """
        x, controls = _run_blocks(self.encoder, self.encoder._embeds(image), control_layers=self.zero_linears)
        return _pool_and_project(self.encoder, x), controls

    @staticmethod
    def controlled_forward(visual: nn.Module, image: torch.Tensor, controls: list[torch.Tensor]) -> torch.Tensor:
        """The frozen encoder's pooled, projected output with ``controls`` added after each block."""
        x, _ = _run_blocks(visual, visual._embeds(image), controls=controls)
        return _pool_and_project(visual, x)
