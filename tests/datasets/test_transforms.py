"""Paired crop / flip / to-tensor keep rain and gt aligned."""
import numpy as np
import pytest
import torch

from derain_toolkit.registry import TRANSFORMS


def _sample(h=20, w=24):
    coords = np.stack(np.meshgrid(np.arange(h), np.arange(w), indexing='ij'), -1).astype(np.float32)
    image = np.concatenate([coords, np.zeros((h, w, 1), np.float32)], -1) / 100  # pixel value = position
    return dict(rain=image.copy(), gt=image + 0.5, key='k')


def test_crop_takes_the_same_window_from_both():
    np.random.seed(0)
    crop = TRANSFORMS.build(dict(type='PairedRandomCrop', patch_size=8))
    corners = set()
    for _ in range(20):
        out = crop(_sample())
        assert out['rain'].shape == (8, 8, 3)
        np.testing.assert_allclose(out['gt'] - out['rain'], 0.5)
        top, left = out['rain'][0, 0, :2] * 100
        np.testing.assert_allclose(out['rain'][..., 0] * 100, top + np.arange(8)[:, None] + 0 * np.arange(8))
        corners.add((round(top), round(left)))
    assert len(corners) > 5  # random positions


def test_crop_small_image_raises_or_reflect_pads():
    with pytest.raises(ValueError, match='smaller than the 32x32 patch'):
        TRANSFORMS.build(dict(type='PairedRandomCrop', patch_size=32))(_sample())
    out = TRANSFORMS.build(dict(type='PairedRandomCrop', patch_size=32, pad_if_smaller=True))(_sample())
    assert out['rain'].shape == (32, 32, 3)
    np.testing.assert_allclose(out['gt'] - out['rain'], 0.5)
    np.testing.assert_allclose(out['rain'][20, :24, 0], out['rain'][18, :24, 0])  # reflected row


def test_flip_probabilities_and_alignment():
    sample = _sample()
    always = TRANSFORMS.build(dict(type='PairedRandomFlip', horizontal_prob=1.0, vertical_prob=1.0))(dict(sample))
    np.testing.assert_array_equal(always['rain'], sample['rain'][::-1, ::-1])
    np.testing.assert_array_equal(always['gt'], sample['gt'][::-1, ::-1])
    never = TRANSFORMS.build(dict(type='PairedRandomFlip', horizontal_prob=0.0, vertical_prob=0.0))(dict(sample))
    np.testing.assert_array_equal(never['rain'], sample['rain'])
    np.random.seed(1)
    half = TRANSFORMS.build(dict(type='PairedRandomFlip'))
    corners = np.array([half(dict(sample))['rain'][0, 0, :2] > 0 for _ in range(400)])  # (row, col) moved
    assert np.all((0.4 < corners.mean(0)) & (corners.mean(0) < 0.6))  # each flip about half the time


def test_to_tensor_layout():
    out = TRANSFORMS.build(dict(type='PairedToTensor'))(_sample(4, 6))
    assert isinstance(out['rain'], torch.Tensor) and out['rain'].shape == (3, 4, 6)
    assert out['rain'].is_contiguous() and out['rain'][0, 3, 5].item() == pytest.approx(0.03)
    with pytest.raises(KeyError, match="missing \\['gt'\\]"):
        TRANSFORMS.build(dict(type='PairedToTensor'))(dict(rain=np.zeros((2, 2, 3))))


def _dihedral_group(image: np.ndarray) -> list[np.ndarray]:
    """The 8 orientations of ``image`` by hand: rotations by 0/90/180/270 degrees, each with and
    without a transpose (an independent enumeration of D4, not the transform's mode order)."""
    rotations = [image, image.transpose(1, 0, 2)[::-1], image[::-1, ::-1], image.transpose(1, 0, 2)[:, ::-1]]
    return rotations + [r.transpose(1, 0, 2) for r in rotations]


def test_dihedral_gives_the_8_orientations_equally_often_and_the_same_one_to_rain_and_gt():
    sample = _sample(3, 5)  # non-square: a quarter turn changes the shape
    group = _dihedral_group(sample['rain'])
    assert len({g.tobytes() + bytes(g.shape) for g in group}) == 8
    transform = TRANSFORMS.build(dict(type='PairedRandomDihedral'))
    counts = np.zeros(8, int)
    draws = 4000
    for seed in range(draws):
        np.random.seed(seed)
        out = transform(dict(sample))
        np.testing.assert_allclose(out['gt'] - out['rain'], 0.5)  # same orientation on both keys
        matches = [i for i, g in enumerate(group) if g.shape == out['rain'].shape and np.array_equal(g, out['rain'])]
        assert len(matches) == 1
        counts[matches[0]] += 1
    assert np.abs(counts - draws / 8).max() < 4 * np.sqrt(draws / 8 * 7 / 8)  # each 1/8, within 4 sigma


def test_crop_symmetric_padding_repeats_the_edge_as_opencv_border_reflect():
    out = TRANSFORMS.build(dict(type='PairedRandomCrop', patch_size=32, pad_if_smaller=True,
                                pad_mode='symmetric'))(_sample())
    np.testing.assert_allclose(out['rain'][20, :24, 0], out['rain'][19, :24, 0])  # edge row repeated
    np.testing.assert_allclose(out['rain'][21, :24, 0], out['rain'][18, :24, 0])
    with pytest.raises(ValueError, match='pad_mode'):
        TRANSFORMS.build(dict(type='PairedRandomCrop', pad_mode='wrap'))
