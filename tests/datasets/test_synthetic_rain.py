"""Synthetic rain: determinism, labels, parameter effects, and heavier rain for heavier patterns."""
import numpy as np
import pytest
import torch

from derain_toolkit.datasets.synthetic_rain import (
    CLEAN_SOURCES,
    RainParams,
    load_clean_image,
    render_rain,
    render_streaks,
    sample_rain_params,
)
from derain_toolkit.registry import DATASETS


def test_every_clean_source_loads_offline():
    for name in CLEAN_SOURCES:
        image = load_clean_image(name)
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3 and min(image.shape[:2]) >= 256


def test_same_seed_and_index_give_the_same_pair():
    a, b, c = (DATASETS.build(dict(type='SyntheticRainDataset', num_samples=4, image_size=32, seed=seed))
               for seed in (0, 0, 1))
    for i in range(4):
        np.testing.assert_array_equal(a.render(i)['rain'], b.render(i)['rain'])
    assert not np.array_equal(a.render(0)['rain'], c.render(0)['rain'])
    assert not np.array_equal(a.render(0)['rain'], a.render(3)['rain'])


def test_items_carry_pattern_labels():
    dataset = DATASETS.build(dict(type='SyntheticRainDataset', num_samples=6, image_size=32, max_angle=20,
                                  pipeline=[dict(type='PairedRandomFlip'), dict(type='PairedToTensor')]))
    items = [dataset[i] for i in range(6)]
    assert [it['data_samples']['pattern'] for it in items] == ['light', 'moderate', 'heavy'] * 2
    assert [it['data_samples']['pattern_index'] for it in items] == [0, 1, 2] * 2
    for it in items:
        assert it['inputs'].shape == it['data_samples']['gt'].shape == (3, 32, 32)
        assert it['inputs'].dtype == torch.float32 and 0 <= it['inputs'].min() and it['inputs'].max() <= 1
        assert abs(it['data_samples']['angle']) <= 20
        assert it['data_samples']['source'] in CLEAN_SOURCES
        assert torch.all(it['inputs'] * 255 == torch.round(it['inputs'] * 255))  # 8-bit values, as on disk


def test_heavy_rain_changes_the_image_more_than_light():
    dataset = DATASETS.build(dict(type='SyntheticRainDataset', num_samples=24, image_size=64, seed=3))
    mad = {}
    for i in range(24):
        s = dataset.render(i)
        mad.setdefault(s['pattern'], []).append(np.abs(s['rain'].astype(float) - s['gt']).mean() / 255)
    assert np.mean(mad['light']) < np.mean(mad['moderate']) < np.mean(mad['heavy'])
    assert np.mean(mad['heavy']) > 3 * np.mean(mad['light'])


@pytest.mark.parametrize('field,low,high', [('density', 0.001, 0.006), ('length', 6.0, 30.0),
                                            ('width', 1, 3), ('brightness', 0.3, 0.9)])
def test_each_parameter_controls_the_amount_of_rain(field, low, high):
    base = RainParams(blur=0.0)
    amounts = [render_streaks((64, 64), RainParams(**{**base.to_dict(), field: v}), np.random.default_rng(0)).sum()
               for v in (low, high)]
    assert amounts[1] > 1.5 * amounts[0]


def test_streak_angle_sets_the_direction():
    vertical = render_streaks((64, 64), RainParams(angle=0.0, blur=0.0, length=30, density=0.001),
                              np.random.default_rng(0))
    slanted = render_streaks((64, 64), RainParams(angle=45.0, blur=0.0, length=30, density=0.001),
                             np.random.default_rng(0))

    def shift_correlation(layer, dx):  # pixel (r, c) against (r + 4, c + dx), dx >= 0
        return float((layer[:-4, :64 - dx] * layer[4:, dx:]).sum())
    assert shift_correlation(vertical, 0) > shift_correlation(vertical, 4)
    # angle > 0 leans right at the bottom: a pixel 4 rows down is 4 columns to the right
    assert shift_correlation(slanted, 4) > shift_correlation(slanted, 0)


def test_haze_and_drops():
    clean = np.full((48, 48, 3), 40, np.uint8)
    rng = lambda: np.random.default_rng(0)  # noqa: E731
    plain = render_rain(clean, RainParams(density=0.0), rng())
    hazy = render_rain(clean, RainParams(density=0.0, haze=0.5), rng())
    dropped = render_rain(clean, RainParams(density=0.0, drops=5, brightness=0.9), rng())
    np.testing.assert_array_equal(plain, clean)
    assert hazy.mean() == pytest.approx(40 * 0.5 + 0.85 * 255 * 0.5, abs=1)
    assert dropped.max() > 60 and (dropped > 41).mean() < 0.5
    params = sample_rain_params('heavy', rng(), with_haze=False, with_drops=True)
    assert params.haze == 0 and params.drops > 0 and params.pattern == 'heavy'


def test_bad_arguments():
    with pytest.raises(ValueError, match='patterns must be'):
        DATASETS.build(dict(type='SyntheticRainDataset', patterns=['drizzle']))
    with pytest.raises(ValueError, match='unknown clean sources'):
        DATASETS.build(dict(type='SyntheticRainDataset', sources=['lily']))
