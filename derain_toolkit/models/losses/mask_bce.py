"""Binary cross-entropy of the multi-level rain masks, CLIP-RPN Eqs. (4), (5) and (15).

Target (Eq. 4): a pixel is rainy when ``|I − I'| > threshold`` (0.1), with I the rainy
input and I' the clean image, both in [0, 1]. The channels are reduced by the maximum
over RGB: a pixel is rainy when any channel differs by more than the threshold.

Each level's prediction (B, 1, h, w) is smaller than the image; the full-resolution
binary target is brought to (h, w) by ``target_resize``:

- ``'area'`` (default): the fraction of rainy pixels in each cell (area average), a soft
  target in [0, 1], the rain density the head is said to predict (Sec. 3.2);
- ``'nearest'``: the binary mask sampled at the cell, as Eq. (4) literally.

Loss (Eq. 15): the mean BCE of each level (Eq. 5), summed over the levels; the 0.1 of
Eq. (15) is this loss's ``loss_weight``. BCE is computed in float32 outside autocast.
"""
import torch
import torch.nn.functional as F

from derain_toolkit.models.losses.base import DerainLoss
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
    input_keys = ('masks', 'inputs', 'gt')

    def __init__(self, loss_weight: float = 0.1, threshold: float = 0.1, target_resize: str = 'area') -> None:
        super().__init__(loss_weight)
        if target_resize not in _RESIZE_MODES:
            raise ValueError(f'RainMaskBCELoss: target_resize must be one of {_RESIZE_MODES}, got {target_resize!r}')
        self.threshold = threshold
        self.target_resize = target_resize

    def forward(self, masks: list[torch.Tensor], inputs: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
        """Args:
            masks: Predicted rain confidences, one (B, 1, h, w) tensor in (0, 1) per level.
            inputs: Rainy images (B, 3, H, W).
            gt: Clean images (B, 3, H, W).
        """
        if not masks:
            raise ValueError('RainMaskBCELoss got no masks: the network predicts none (e.g. CLIPRPN with '
                             'mgca=None). Remove RainMaskBCELoss from the losses of such a config.')
        target = rain_mask_target(inputs.float(), gt.float(), self.threshold)
        total = 0
        with torch.autocast(device_type=inputs.device.type, enabled=False):
            for mask in masks:
                level_target = F.interpolate(target, size=mask.shape[-2:], mode=self.target_resize)
                total = total + F.binary_cross_entropy(mask.float(), level_target)
        return total
