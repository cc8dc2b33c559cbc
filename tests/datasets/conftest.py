"""Tiny on-disk datasets in each published layout, written with the toolkit's image writer."""
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from derain_toolkit.utils.image_io import write_image


def pair_images(number: int, size=(16, 20)):
    """Distinct rainy/clean images whose values encode the pair number (rain = clean + 1)."""
    gt = np.full((*size, 3), 10 * number, np.uint8)
    gt[0, 0] = [number, 0, 0]
    return gt + 1, gt


@pytest.fixture
def pair_of():
    """The function that made the images of each pair: ``pair_of(number) -> (rain, gt)``."""
    return pair_images


@pytest.fixture
def make_layout(tmp_path) -> Callable[[str], Path]:
    def make(layout: str, numbers=(1, 2, 3)) -> Path:
        root = tmp_path / layout
        for n in numbers:
            rain, gt = pair_images(n)
            if layout == 'rain100_train':
                write_image(root / f'rain-{n}.png', rain)
                write_image(root / f'norain-{n}.png', gt)
                write_image(root / f'rainstreak-{n}.png', rain)  # ignored by the layout
            elif layout == 'rain100_test':
                write_image(root / 'rainy' / f'rain-{n:03d}.png', rain)
                write_image(root / f'norain-{n:03d}.png', gt)
            elif layout == 'input_target':
                write_image(root / 'input' / f'{n}.png', rain)
                write_image(root / 'target' / f'{n}.png', gt)
            elif layout == 'rain800_folders':
                write_image(root / 'rainy' / f'{n}_rain.png', rain)
                write_image(root / 'gt' / f'{n}_clean.png', gt)
            elif layout == 'rain800_side_by_side':
                write_image(root / f'{n}.png', np.concatenate([gt, rain], axis=1))  # clean left, rain right
        return root
    return make
