"""Paired transforms (CLIP-RPN Sec. 4.2: random 128x128 crops, horizontal and vertical flips with p = 0.5)
against index formulas: every window position reachable, each flip on its own axis, reflect padding
and the (H, W, C) -> (C, H, W) layout element by element."""
import numpy as np
import pytest
import torch

from derain_toolkit.registry import TRANSFORMS


def _positions(h: int, w: int) -> np.ndarray:
    """Image whose pixel (i, j) holds (i, j, 0): a crop tells where it came from."""
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing='ij')
    return np.stack([rows, cols, np.zeros((h, w))], -1).astype(np.float32)


def test_every_window_position_is_drawn_and_the_window_is_exact():
    np.random.seed(0)
    crop = TRANSFORMS.build(dict(type='PairedRandomCrop', patch_size=8))
    image = _positions(10, 9)
    seen = set()
    for _ in range(120):
        out = crop(dict(rain=image.copy(), gt=image.copy() * 2, key='k'))
        top, left = int(out['rain'][0, 0, 0]), int(out['rain'][0, 0, 1])
        np.testing.assert_array_equal(out['rain'], image[top:top + 8, left:left + 8])
        np.testing.assert_array_equal(out['gt'], 2 * image[top:top + 8, left:left + 8])
        seen.add((top, left))
    assert seen == {(t, l) for t in range(3) for l in range(2)}


def test_reflect_padding_of_small_images():
    image = _positions(5, 8)
    out = TRANSFORMS.build(dict(type='PairedRandomCrop', patch_size=8, pad_if_smaller=True))(
        dict(rain=image.copy(), gt=image.copy(), key='k'))
    reflect = [0, 1, 2, 3, 4, 3, 2, 1]  # numpy 'reflect': the edge row is not repeated
    np.testing.assert_array_equal(out['rain'], image[reflect])
    assert TRANSFORMS.build(dict(type='PairedRandomCrop')).patch_size == 128


@pytest.mark.parametrize('horizontal, vertical', [(1.0, 0.0), (0.0, 1.0)])
def test_each_flip_acts_on_its_own_axis(horizontal, vertical):
    image = _positions(4, 6)
    flip = TRANSFORMS.build(dict(type='PairedRandomFlip', horizontal_prob=horizontal, vertical_prob=vertical))
    out = flip(dict(rain=image.copy(), gt=image.copy() + 1))
    expected = image[:, ::-1] if horizontal else image[::-1]
    np.testing.assert_array_equal(out['rain'], expected)
    np.testing.assert_array_equal(out['gt'], expected + 1)


def test_flip_probability_is_a_per_sample_bernoulli():
    np.random.seed(3)
    flip = TRANSFORMS.build(dict(type='PairedRandomFlip', horizontal_prob=0.2, vertical_prob=0.9))
    image = _positions(2, 2)
    moved = np.array([flip(dict(rain=image.copy(), gt=image.copy()))['rain'][0, 0, :2] > 0 for _ in range(600)])
    rows, cols = moved.mean(axis=0)  # row moved <=> vertical flip, column moved <=> horizontal flip
    assert abs(rows - 0.9) < 0.05 and abs(cols - 0.2) < 0.05
    default = TRANSFORMS.build(dict(type='PairedRandomFlip'))
    assert (default.horizontal_prob, default.vertical_prob) == (0.5, 0.5)


def test_to_tensor_is_channel_first_element_by_element():
    image = np.random.RandomState(0).rand(3, 4, 3).astype(np.float64)
    out = TRANSFORMS.build(dict(type='PairedToTensor'))(dict(rain=image, gt=image[::-1]))
    assert out['rain'].dtype == torch.float32 and out['rain'].shape == (3, 3, 4)
    for c in range(3):
        for i in range(3):
            for j in range(4):
                assert out['rain'][c, i, j].item() == pytest.approx(image[i, j, c], rel=1e-6)
                assert out['gt'][c, i, j].item() == pytest.approx(image[2 - i, j, c], rel=1e-6)


def test_one_short_side_is_padded_and_keys_are_checked():
    image = _positions(5, 10)
    out = TRANSFORMS.build(dict(type='PairedRandomCrop', patch_size=8, pad_if_smaller=True))(
        dict(rain=image.copy(), gt=image.copy(), key='k'))
    left = int(out['rain'][0, 0, 1])
    np.testing.assert_array_equal(out['rain'], image[[0, 1, 2, 3, 4, 3, 2, 1], left:left + 8])
    with pytest.raises(KeyError, match='gt'):
        TRANSFORMS.build(dict(type='PairedRandomCrop', patch_size=2))(dict(rain=image))
