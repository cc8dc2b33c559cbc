"""Pair discovery for each published layout, pairing by number, and the errors for bad roots."""
import pytest

from derain_toolkit.datasets.layouts import discover_pairs, pair_by_number
from derain_toolkit.utils.image_io import write_image


@pytest.mark.parametrize('folder,layout', [('rain100_train', 'rain100'), ('rain100_test', 'rain100'),
                                           ('input_target', 'input_target'),
                                           ('rain800_folders', 'rain800_folders'),
                                           ('rain800_side_by_side', 'rain800_side_by_side')])
def test_auto_detects_and_pairs_by_number(make_layout, folder, layout):
    root = make_layout(folder, numbers=(2, 10, 1))
    found, pairs = discover_pairs(str(root))
    assert found == layout
    assert len(pairs) == 3
    for pair, number in zip(pairs, (1, 2, 10)):  # natural order, not string order
        assert str(number) in pair.key
        assert pair.side_by_side == (layout == 'rain800_side_by_side')
    assert discover_pairs(str(root), layout)[1] == pairs


def test_unpadded_and_padded_numbers_pair_by_value(tmp_path, pair_of):
    rain, gt = pair_of(1)
    for n in (1, 9, 10, 100):
        write_image(tmp_path / f'rain-{n}.png', rain)
        write_image(tmp_path / f'norain-{n:03d}.png', gt)
    _, pairs = discover_pairs(str(tmp_path), 'rain100')
    assert [(p.rain_path.rsplit('/', 1)[1], p.gt_path.rsplit('/', 1)[1]) for p in pairs] == [
        ('rain-1.png', 'norain-001.png'), ('rain-9.png', 'norain-009.png'),
        ('rain-10.png', 'norain-010.png'), ('rain-100.png', 'norain-100.png')]


def test_missing_root_names_expected_layouts(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist') as info:
        discover_pairs(str(tmp_path / 'nowhere'))
    assert 'rain-N.png + norain-N.png' in str(info.value) and 'input/' in str(info.value)
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='expected one of these layouts'):
        discover_pairs(str(tmp_path / 'empty'))
    with pytest.raises(FileNotFoundError, match="no 'rain100' dataset"):
        discover_pairs(str(tmp_path / 'empty'), 'rain100')


def test_unpaired_and_duplicate_files_are_reported(tmp_path, make_layout, pair_of):
    root = make_layout('rain100_train')
    (root / 'norain-2.png').unlink()
    with pytest.raises(ValueError, match='without a clean partner.*rain-2.png'):
        discover_pairs(str(root))
    root = make_layout('input_target')
    write_image(root / 'input' / '001.png', pair_of(1)[0])  # same number as 1.png
    with pytest.raises(ValueError, match='share the pairing key 1'):
        discover_pairs(str(root))
    with pytest.raises(ValueError, match='unknown layout'):
        discover_pairs(str(root), 'rain1400')


def test_pair_by_number_prefers_equal_stems(tmp_path):
    a = [tmp_path / 'img2_x4.png', tmp_path / 'img1_x4.png']
    b = [tmp_path / 'img1_x4.png', tmp_path / 'img2_x4.png']
    assert [(r.name, g.name) for r, g in pair_by_number(a, b, tmp_path)] == [
        ('img1_x4.png', 'img1_x4.png'), ('img2_x4.png', 'img2_x4.png')]
