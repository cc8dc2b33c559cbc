"""Pad an image batch to a multiple of the network's total stride and crop it back."""
import torch
import torch.nn.functional as F


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad ``x`` (B, C, H, W) on the bottom/right so H and W are multiples of ``multiple``.

    Reflection padding is used where the image is large enough for it (it avoids the
    hard edge that zero padding puts in front of the first convolution), replication
    otherwise.

    Returns:
        The padded batch and the original ``(H, W)`` for :func:`crop_to`.
    """
    height, width = x.shape[-2:]
    pad_h = (multiple - height % multiple) % multiple
    pad_w = (multiple - width % multiple) % multiple
    if pad_h == 0 and pad_w == 0:
        return x, (height, width)
    mode = 'reflect' if pad_h < height and pad_w < width else 'replicate'
    return F.pad(x, (0, pad_w, 0, pad_h), mode=mode), (height, width)


def crop_to(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Crop the bottom/right padding added by :func:`pad_to_multiple`."""
    return x[..., :size[0], :size[1]]
