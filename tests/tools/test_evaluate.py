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


def _own_photos(folder):
    """Three 'photos' of the user: 16-bit RGB and RGBA at the top, 8-bit grayscale in a sub-folder."""
    rng = np.random.default_rng(1)
    photos = {'a.png': rng.integers(0, 65536, (40, 56, 3), dtype=np.uint16),
              'b.png': rng.integers(0, 256, (48, 32, 4), dtype=np.uint8),
              'sub/c.png': rng.integers(0, 256, (36, 36, 1), dtype=np.uint8)}
    for name, image in photos.items():
        write_image(folder / name, image)
    return photos


def test_make_synthetic_rain_on_own_images_keeps_names_sizes_and_the_clean_copy(load_tool, tmp_path):
    photos = _own_photos(tmp_path / 'mine')
    out = load_tool('make_synthetic_rain').main([str(tmp_path / 'out'), '--images', str(tmp_path / 'mine'),
                                                 '--keep-clean', '--patterns', 'heavy', 'light', '--seed', '3'])
    eight_bit_rgb = {'a.png': np.rint(photos['a.png'] / 65535 * 255).astype(np.uint8),
                     'b.png': photos['b.png'][:, :, :3], 'sub/c.png': np.repeat(photos['sub/c.png'], 3, axis=2)}
    labels = list(csv.DictReader((out / 'patterns.csv').open()))
    assert [(r['rain'], r['norain'], r['pattern']) for r in labels] == [
        ('rain/a.png', 'norain/a.png', 'heavy'), ('rain/b.png', 'norain/b.png', 'light'),
        ('rain/sub/c.png', 'norain/sub/c.png', 'heavy')]
    for name, clean in eight_bit_rgb.items():
        np.testing.assert_array_equal(read_image(out / 'norain' / name), clean)
        rain = read_image(out / 'rain' / name)
        assert rain.shape == clean.shape and rain.dtype == np.uint8
        # the haze veil pulls towards the atmospheric light (0.85) and screen-blended streaks only brighten:
        # below that light, rain >= clean up to rounding; and the rain is visible
        below = clean.astype(int) <= 0.85 * 255
        assert (rain.astype(int) >= clean.astype(int) - 1)[below].all()
        assert (rain.astype(int) - clean).mean() > (3 if name != 'b.png' else 0.3)
    heavy, light = [(read_image(out / 'rain' / n).astype(int) - eight_bit_rgb[n]).mean() for n in ('a.png', 'b.png')]
    assert heavy > 5 * light  # the patterns cycle: heavy, light, heavy
    layout, pairs = discover_pairs(str(out), layout='rain800_folders')
    assert [p.key for p in pairs] == ['a', 'b']  # the top level pairs by stem (sub-folders are not searched)


def test_make_synthetic_rain_on_own_images_is_seeded_and_names_a_bad_input(load_tool, tmp_path):
    _own_photos(tmp_path / 'mine')
    tool = load_tool('make_synthetic_rain')
    first = tool.main([str(tmp_path / 'one'), '--images', str(tmp_path / 'mine' / 'a.png')])
    again = tool.main([str(tmp_path / 'two'), '--images', str(tmp_path / 'mine' / 'a.png')])
    other = tool.main([str(tmp_path / 'three'), '--images', str(tmp_path / 'mine' / 'a.png'), '--seed', '1'])
    assert sorted(p.name for p in first.iterdir()) == ['a.png', 'patterns.csv']  # rainy only, named as its input
    np.testing.assert_array_equal(read_image(first / 'a.png'), read_image(again / 'a.png'))
    assert not np.array_equal(read_image(first / 'a.png'), read_image(other / 'a.png'))
    with pytest.raises(FileNotFoundError, match=r"--images: no image file in \['.*nothing\*.jpg'\]"):
        tool.main([str(tmp_path / 'four'), '--images', str(tmp_path / 'nothing*.jpg')])
