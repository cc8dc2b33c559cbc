"""Paired training transforms: the augmentation of CLIP-RPN Sec. 4.2.

"Random cropping to 128 x 128 patches and horizontal and vertical flipping with a
probability of 0.5." Every transform takes the sample dict of a dataset and
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
    ``pad_if_smaller=True``, which reflect-pads them (same padding on every key)
    to the patch size first. Raising is the default: a too-small training image
    usually means a wrong data root or a mis-set ``patch_size``.

    Args:
        patch_size: Side of the square patch (128 in CLIP-RPN Sec. 4.2).
        keys: Image keys cropped together.
        pad_if_smaller: Reflect-pad images smaller than the patch instead of raising.
    """

    def __init__(self, patch_size: int = 128, keys: Sequence[str] = ('rain', 'gt'),
                 pad_if_smaller: bool = False) -> None:
        self.patch_size = patch_size
        self.keys = tuple(keys)
        self.pad_if_smaller = pad_if_smaller

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
                results[k] = np.pad(results[k], pad, mode='reflect')
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
