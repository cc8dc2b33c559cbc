"""tools/evaluate.py scores two folders paired by number; tools/make_synthetic_rain.py writes the Rain100 layout."""
import csv

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio

from derain_toolkit.datasets.layouts import discover_pairs
from derain_toolkit.registry import DATASETS
from derain_toolkit.utils.image_io import read_image, write_image


def _y(image):
    return np.floor(16 + image.astype(float) @ np.array([65.481, 128.553, 24.966]) / 255 + 0.5)


def test_evaluate_pairs_by_number_and_writes_csv(load_tool, tmp_path, capsys):
    rng = np.random.default_rng(0)
    expected = []
    for n in (1, 2, 10):
        gt = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
        pred = np.clip(gt.astype(int) + rng.integers(-n * 3, n * 3 + 1, gt.shape), 0, 255).astype(np.uint8)
        write_image(tmp_path / 'pred' / f'rain-{n:03d}.png', pred)
        write_image(tmp_path / 'gt' / f'norain-{n}.png', gt)
        expected.append(peak_signal_noise_ratio(_y(gt), _y(pred), data_range=255))
    mean = load_tool('evaluate').main([str(tmp_path / 'pred'), str(tmp_path / 'gt'), '--out', str(tmp_path / 's.csv')])
    assert mean['psnr'] == pytest.approx(np.mean(expected))
    rows = list(csv.DictReader((tmp_path / 's.csv').open()))
    assert [(r['pred'], r['gt']) for r in rows[:3]] == [('rain-001.png', 'norain-1.png'),
                                                        ('rain-002.png', 'norain-2.png'),
                                                        ('rain-010.png', 'norain-10.png')]
    assert [float(r['psnr']) for r in rows[:3]] == pytest.approx(expected)
    assert rows[3]['pred'] == 'mean' and 'mean (3)' in capsys.readouterr().out


def test_evaluate_reports_unpaired_files(load_tool, tmp_path):
    write_image(tmp_path / 'pred' / '1.png', np.zeros((16, 16, 3), np.uint8))
    write_image(tmp_path / 'gt' / '2.png', np.zeros((16, 16, 3), np.uint8))
    with pytest.raises(ValueError, match='without a clean partner'):
        load_tool('evaluate').main([str(tmp_path / 'pred'), str(tmp_path / 'gt')])


def test_make_synthetic_rain_matches_the_dataset(load_tool, tmp_path):
    out = load_tool('make_synthetic_rain').main([str(tmp_path / 'syn'), '--num', '4', '--image-size', '32', '--seed', '5'])
    layout, pairs = discover_pairs(str(out))
    assert layout == 'rain100' and [p.key for p in pairs] == ['rain-1', 'rain-2', 'rain-3', 'rain-4']
    labels = list(csv.DictReader((out / 'patterns.csv').open()))
    assert [r['pattern'] for r in labels] == ['light', 'moderate', 'heavy', 'light']
    dataset = DATASETS.build(dict(type='SyntheticRainDataset', num_samples=4, image_size=32, seed=5))
    for i, pair in enumerate(pairs):
        sample = dataset.render(i)
        np.testing.assert_array_equal(read_image(pair.rain_path), sample['rain'])
        np.testing.assert_array_equal(read_image(pair.gt_path), sample['gt'])
        assert float(labels[i]['angle']) == pytest.approx(sample['angle'])
