"""Binary cross-entropy of the multi-level rain masks, CLIP-RPN Eqs. (4), (5) and (15).

Target (Eq. 4): a pixel is rainy when ``|I − I'| > threshold`` (0.1), with I the rainy
input and I' the clean image, both in [0, 1]. The channels are reduced by the maximum
over RGB: a pixel is rainy when any channel differs by more than the threshold.

Each level's prediction (B, 1, h, w) covers the image padded to a multiple of
``pad_multiple`` (the U-Net's padding, see ``CLIPRPN``), so the full-resolution binary
target is padded the same way (bottom/right, ``pad_to_multiple``; the target is a
pixel-wise function of the two images, so padding it equals the target of the padded
images) and then brought to (h, w), an exact reduction by the level's stride, by
``target_resize``:

- ``'area'`` (default): the fraction of rainy pixels in each cell (area average), a soft
  target in [0, 1], the rain density the head is said to predict (Sec. 3.2);
- ``'nearest'``: the binary mask sampled at the cell, as Eq. (4) literally.

Loss (Eq. 15): the mean BCE of each level (Eq. 5), summed over the levels; the 0.1 of
Eq. (15) is this loss's ``loss_weight``. The BCE is taken on the logits (``mask_logits``,
Eq. 3 before σ) with ``binary_cross_entropy_with_logits`` in float32 outside autocast:
on a bfloat16/float16 probability a confidently wrong pixel would give a clamped BCE
with zero gradient or a NaN gradient (see ``rain_mask_head.py``).
"""
import torch
import torch.nn.functional as F

from derain_toolkit.models.layers.padding import pad_to_multiple
from derain_toolkit.models.losses.base import DerainLoss, without_autocast
from derain_toolkit.registry import LOSSES

_RESIZE_MODES = ('area', 'nearest')


def rain_mask_target(inputs: torch.Tensor, gt: torch.Tensor, threshold: float = 0.1) -> torch.Tensor:
    """Eq. (4): binary rain mask (B, 1, H, W), 1 where ``max_c |I − I'| > threshold``."""
    return ((inputs - gt).abs().amax(dim=1, keepdim=True) > threshold).float()


@LOSSES.register_module()
class RainMaskBCELoss(DerainLoss):
    """Args:
        loss_weight: Weight of the summed BCE (0.1 in Eq. 15).
        threshold: Rain threshold on the absolute difference (0.1 in Eq. 4).
        target_resize: ``'area'`` or ``'nearest'`` (see the module docstring).
    """

    name = 'mask_bce'
    input_keys = ('mask_logits', 'pad_multiple', 'inputs', 'gt')

    def __init__(self, loss_weight: float = 0.1, threshold: float = 0.1, target_resize: str = 'area') -> None:
        super().__init__(loss_weight)
        if target_resize not in _RESIZE_MODES:
            raise ValueError(f'RainMaskBCELoss: target_resize must be one of {_RESIZE_MODES}, got {target_resize!r}')
        self.threshold = threshold
        self.target_resize = target_resize

    def level_targets(self, sizes: list[tuple[int, int]], pad_multiple: int, inputs: torch.Tensor,
                      gt: torch.Tensor) -> list[torch.Tensor]:
        """The Eq. (4) target on each level's grid of ``sizes``, (B, 1, h, w) each, float32."""
        target = pad_to_multiple(rain_mask_target(inputs.float(), gt.float(), self.threshold), pad_multiple)[0]
        padded = tuple(target.shape[-2:])
        targets = []
        for size in sizes:
            if padded[0] % size[0] or padded[1] % size[1]:
                raise ValueError(f'RainMaskBCELoss: a {size[0]}x{size[1]} mask does not tile the '
                                 f'{padded[0]}x{padded[1]} image padded to a multiple of {pad_multiple}; the '
                                 'network must predict its masks on the padded grid (as CLIPRPN does)')
            targets.append(F.interpolate(target, size=size, mode=self.target_resize))
        return targets

    def forward(self, mask_logits: list[torch.Tensor], pad_multiple: int, inputs: torch.Tensor,
                gt: torch.Tensor) -> torch.Tensor:
        """Args:
            mask_logits: Predicted rain logits (Eq. 3 before σ), one (B, 1, h, w) tensor per level.
            pad_multiple: The multiple the network padded its input to.
            inputs: Rainy images (B, 3, H, W).
            gt: Clean images (B, 3, H, W).
        """
        if not mask_logits:
            raise ValueError('RainMaskBCELoss got no masks: the network predicts none (e.g. CLIPRPN with '
                             'mgca=None). Remove RainMaskBCELoss from the losses of such a config.')
        targets = self.level_targets([tuple(m.shape[-2:]) for m in mask_logits], pad_multiple, inputs, gt)
        total = 0
        with without_autocast(inputs.device):
            for logits, target in zip(mask_logits, targets):
                total = total + F.binary_cross_entropy_with_logits(logits.float(), target)
        return total
