"""The DA-CLIP image controller (DA-CLIP paper Sec. III-A, Fig. 3), as the official code builds it.

A trainable copy of the CLIP ViT image encoder (``visual_control``). After each of its
transformer blocks, a zero-initialised ``nn.Linear(width, width)`` (with bias) maps the copy's
tokens to a hidden control; the controller's own pooled, projected output is the image
degradation embedding ``e_d^I``. The frozen encoder, run with those controls added to its
residual stream after each block, outputs the content embedding ``e_c^I``. Because the
connections start at zero, the frozen encoder's output is unchanged at initialisation.

Official code (Algolzw/daclip-uir, commit c2cc141, ``universal-image-restoration/open_clip/``):
``DaCLIP.__init__`` makes ``visual_control = deepcopy(clip.visual)`` and wraps its transformer in
``ControlTransformer`` (``transformer.py``), which keeps the copied ``Transformer`` as
``.transformer`` and the linears as ``.zero_modules``; the names here are the same, so the
official state-dict keys (``visual_control.transformer.transformer.resblocks.N.*``,
``visual_control.transformer.zero_modules.N.*``) load unchanged. Block order (where the paper's
Fig. 3 is silent): the frozen ``Transformer.forward`` adds ``control.pop()`` after each block,
so block 0 receives the LAST control and block ``L − 1`` the first; this code follows it (the
released weights were trained that way).

Works with open_clip 3.x ``VisionTransformer`` (class-token or average pooling, with or
without projection); the ViT is walked block by block through its ``_embeds`` and ``_pool``.
"""
import copy

import torch
from torch import nn


class ControlTransformer(nn.Module):
    """The copied ViT transformer plus one zero-initialised ``Linear(width, width)`` per block.

    Args:
        transformer: The controller's copy of the open_clip ``Transformer``.
    """

    def __init__(self, transformer: nn.Module) -> None:
        super().__init__()
        self.transformer = transformer
        self.zero_modules = nn.ModuleList(nn.Linear(transformer.width, transformer.width)
                                          for _ in transformer.resblocks)
        for linear in self.zero_modules:
            nn.init.zeros_(linear.weight)
            nn.init.zeros_(linear.bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Run the blocks on tokens in the transformer's layout; return them and the controls.

        The i-th control is ``zero_modules[i]`` of the output of block ``i`` (same layout).
        """
        hiddens = []
        for block, zero_module in zip(self.transformer.resblocks, self.zero_modules):
            x = block(x)
            hiddens.append(zero_module(x))
        return x, hiddens


def _check_vit(visual: nn.Module) -> None:
    for name in ('transformer', '_embeds', '_pool', 'proj'):
        if not hasattr(visual, name):
            raise TypeError(f'DA-CLIP needs an open_clip VisionTransformer (with {name!r}); got '
                            f'{type(visual).__name__}. Use a ViT CLIP model such as ViT-B-32.')


def make_visual_control(visual: nn.Module) -> nn.Module:
    """A trainable copy of ``visual`` whose transformer is wrapped in :class:`ControlTransformer`."""
    _check_vit(visual)
    control = copy.deepcopy(visual)
    control.transformer = ControlTransformer(control.transformer)
    control.requires_grad_(True)
    return control


def _to_blocks_layout(tokens: torch.Tensor, batch_first: bool) -> torch.Tensor:
    return tokens if batch_first else tokens.transpose(0, 1)  # (B, L, width) <-> (L, B, width)


def _pool_and_project(visual: nn.Module, x: torch.Tensor) -> torch.Tensor:
    pooled, _ = visual._pool(x)  # (B, width)
    if visual.proj is not None:
        pooled = pooled @ visual.proj  # (B, embed_dim)
    return pooled


def visual_control_forward(visual_control: nn.Module, pixels: torch.Tensor
                           ) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Official ``visual_control(image, output_hiddens=True)``.

    Args:
        visual_control: A copy made by :func:`make_visual_control`.
        pixels: Normalised CLIP input (B, 3, S, S).

    Returns:
        The degradation embedding (B, embed_dim) and one control per block, in block order,
        each in the transformer's layout ((B, L, width) when ``batch_first``).
    """
    batch_first = visual_control.transformer.transformer.batch_first
    x = _to_blocks_layout(visual_control._embeds(pixels), batch_first)
    x, hiddens = visual_control.transformer(x)
    return _pool_and_project(visual_control, _to_blocks_layout(x, batch_first)), hiddens


def controlled_visual_forward(visual: nn.Module, pixels: torch.Tensor, hiddens: list[torch.Tensor]) -> torch.Tensor:
    """Official ``clip.visual(image, control=hiddens)``: the frozen encoder's pooled, projected
    output with ``hiddens.pop()`` added after each block (block ``i`` gets ``hiddens[L − 1 − i]``)."""
    transformer = visual.transformer
    x = _to_blocks_layout(visual._embeds(pixels), transformer.batch_first)
    if len(hiddens) != len(transformer.resblocks):
        raise ValueError(f'DA-CLIP: expected one control per block ({len(transformer.resblocks)}), got {len(hiddens)}')
    for block, control in zip(transformer.resblocks, reversed(hiddens)):
        x = block(x) + control
    return _pool_and_project(visual, _to_blocks_layout(x, transformer.batch_first))
