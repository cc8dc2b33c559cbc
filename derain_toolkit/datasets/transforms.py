"""Paired training transforms: the augmentation of CLIP-RPN Sec. 4.2 and of Restormer.

CLIP-RPN (and DDSA Sec. 3.2): "random cropping to 128 x 128 patches and horizontal and
vertical flipping with a probability of 0.5" (``PairedRandomCrop``, ``PairedRandomFlip``).
Restormer's official recipe adds 90-degree rotations: one of the 8 orientations of the
square (``PairedRandomDihedral``). Every transform takes the sample dict of a dataset and
applies the same operation to all of its image ``keys`` (``'rain'`` and ``'gt'``
by default, each ``(H, W, C)`` float32 RGB in [0, 1]), so the pair stays aligned.
Randomness comes from NumPy's global generator, which mmengine seeds per worker.
"""
from typing import Sequence

import numpy as np
import torch

from derain_toolkit.registry import TRANSFORMS


def _check_keys(results: dict, keys: Sequence[str], name: str) -> None:
    missing = [k for k in keys if k not in results]
    if missing:
        raise KeyError(f'{name} expects image keys {list(keys)} in the sample, missing {missing}; '
                       f'present: {sorted(results)}')


@TRANSFORMS.register_module()
class PairedRandomCrop:
    """Crop the same random ``patch_size`` x ``patch_size`` window from every image.

    Images smaller than the patch raise a ``ValueError`` naming the sample unless
    ``pad_if_smaller=True``, which pads them on the bottom/right (same padding on every
    key) to the patch size first. Raising is the default: a too-small training image
    usually means a wrong data root or a mis-set ``patch_size``.

    Args:
        patch_size: Side of the square patch (128 in CLIP-RPN Sec. 4.2).
        keys: Image keys cropped together.
        pad_if_smaller: Pad images smaller than the patch instead of raising.
        pad_mode: ``numpy.pad`` mode of that padding: ``'reflect'`` (edge pixel not
            repeated) or ``'symmetric'`` (edge repeated; OpenCV's ``BORDER_REFLECT``,
            which Restormer's official ``padding`` uses).
    """

    def __init__(self, patch_size: int = 128, keys: Sequence[str] = ('rain', 'gt'),
                 pad_if_smaller: bool = False, pad_mode: str = 'reflect') -> None:
        if pad_mode not in ('reflect', 'symmetric'):
            raise ValueError(f"PairedRandomCrop pad_mode must be 'reflect' or 'symmetric', got {pad_mode!r}")
        self.patch_size = patch_size
        self.keys = tuple(keys)
        self.pad_if_smaller = pad_if_smaller
        self.pad_mode = pad_mode

    def __call__(self, results: dict) -> dict:
        _check_keys(results, self.keys, type(self).__name__)
        shapes = {results[k].shape[:2] for k in self.keys}
        if len(shapes) != 1:
            raise ValueError(f"images of sample '{results.get('key')}' differ in size: "
                             f'{ {k: results[k].shape for k in self.keys} }')
        height, width = shapes.pop()
        size = self.patch_size
        if height < size or width < size:
            if not self.pad_if_smaller:
                raise ValueError(f"sample '{results.get('key')}' is {height}x{width}, smaller than the "
                                 f'{size}x{size} patch; lower patch_size or set pad_if_smaller=True')
            pad = ((0, max(size - height, 0)), (0, max(size - width, 0)), (0, 0))
            for k in self.keys:
                results[k] = np.pad(results[k], pad, mode=self.pad_mode)
            height, width = max(height, size), max(width, size)
        top = np.random.randint(0, height - size + 1)
        left = np.random.randint(0, width - size + 1)
        for k in self.keys:
            results[k] = results[k][top:top + size, left:left + size]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(patch_size={self.patch_size}, keys={self.keys})'


@TRANSFORMS.register_module()
class PairedRandomFlip:
    """Flip all images together, horizontally and/or vertically, each with its probability.

    Args:
        horizontal_prob: Probability of a left-right flip (0.5 in CLIP-RPN Sec. 4.2).
        vertical_prob: Probability of an up-down flip (0.5).
        keys: Image keys flipped together.
    """

    def __init__(self, horizontal_prob: float = 0.5, vertical_prob: float = 0.5,
                 keys: Sequence[str] = ('rain', 'gt')) -> None:
        self.horizontal_prob = horizontal_prob
        self.vertical_prob = vertical_prob
        self.keys = tuple(keys)

    def __call__(self, results: dict) -> dict:
        _check_keys(results, self.keys, type(self).__name__)
        flip_h = np.random.rand() < self.horizontal_prob
        flip_v = np.random.rand() < self.vertical_prob
        for k in self.keys:
            if flip_h:
                results[k] = results[k][:, ::-1]
            if flip_v:
                results[k] = results[k][::-1]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(horizontal_prob={self.horizontal_prob}, '
                f'vertical_prob={self.vertical_prob}, keys={self.keys})')


@TRANSFORMS.register_module()
class PairedRandomDihedral:
    """Put all images together in one of the 8 orientations of the square, each with probability 1/8.

    Restormer's official training data (``geometric_augs: true`` in
    ``Deraining/Options/Deraining_Restormer.yml``; ``random_augmentation`` and
    ``data_augmentation`` in ``basicsr/data/transforms.py`` of github.com/swz30/Restormer):
    ``mode`` uniform in 0..7 is ``mode // 2`` counter-clockwise quarter turns followed,
    for odd modes, by an up-down flip, the official numbering. These are the 8 elements
    of the dihedral group D4 (the same distribution as BasicSR's ``augment`` with
    ``hflip`` and ``rotation``: three independent coin flips).

    Args:
        keys: Image keys transformed together.
    """

    def __init__(self, keys: Sequence[str] = ('rain', 'gt')) -> None:
        self.keys = tuple(keys)

    def __call__(self, results: dict) -> dict:
        _check_keys(results, self.keys, type(self).__name__)
        mode = np.random.randint(8)
        for k in self.keys:
            image = np.rot90(results[k], k=mode // 2, axes=(0, 1))
            results[k] = image[::-1] if mode % 2 else image
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(keys={self.keys})'


@TRANSFORMS.register_module()
class PairedToTensor:
    """Turn ``(H, W, C)`` arrays into contiguous ``(C, H, W)`` float32 tensors.

    Args:
        keys: Image keys converted.
    """

    def __init__(self, keys: Sequence[str] = ('rain', 'gt')) -> None:
        self.keys = tuple(keys)

    def __call__(self, results: dict) -> dict:
        _check_keys(results, self.keys, type(self).__name__)
        for k in self.keys:
            array = np.ascontiguousarray(np.asarray(results[k], dtype=np.float32).transpose(2, 0, 1))
            results[k] = torch.from_numpy(array)  # (C, H, W)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(keys={self.keys})'
