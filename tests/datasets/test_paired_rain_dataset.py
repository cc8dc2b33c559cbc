"""PairedRainDataset items, side-by-side splitting, registry build and unreadable files."""
import numpy as np
import pytest
import torch

from derain_toolkit.registry import DATASETS
from derain_toolkit.utils.image_io import ImageReadError, write_image


@pytest.mark.parametrize('folder', ['rain100_train', 'rain100_test', 'input_target', 'rain800_folders'])
def test_items_follow_the_architecture_format(make_layout, folder, pair_of):
    root = make_layout(folder)
    dataset = DATASETS.build(dict(type='PairedRainDataset', data_root=str(root), name='tiny'))
    assert len(dataset) == 3 and dataset.metainfo['name'] == 'tiny'
    item = dataset[1]
    rain, gt = pair_of(2)
    assert item['inputs'].dtype == torch.float32 and item['inputs'].shape == (3, 16, 20)
    torch.testing.assert_close(item['inputs'], torch.from_numpy(rain).permute(2, 0, 1).float() / 255)
    meta = item['data_samples']
    torch.testing.assert_close(meta['gt'], torch.from_numpy(gt).permute(2, 0, 1).float() / 255)
    assert meta['dataset'] == 'tiny' and '2' in meta['key']
    assert meta['rain_path'].endswith('.png') and meta['gt_path'].endswith('.png')


@pytest.mark.parametrize('side', ['left', 'right'])
def test_rain800_side_by_side_halves(make_layout, side, pair_of):
    root = make_layout('rain800_side_by_side')  # clean left, rain right
    dataset = DATASETS.build(dict(type='PairedRainDataset', data_root=str(root), rain800_rain_side=side))
    item = dataset[0]
    rain, gt = (torch.from_numpy(a).permute(2, 0, 1).float() / 255 for a in pair_of(1))
    expected_rain, expected_gt = (rain, gt) if side == 'right' else (gt, rain)
    torch.testing.assert_close(item['inputs'], expected_rain)
    torch.testing.assert_close(item['data_samples']['gt'], expected_gt)
    assert item['data_samples']['rain_path'] == item['data_samples']['gt_path']


def test_pipeline_is_applied_to_both_images(make_layout):
    root = make_layout('input_target')
    np.random.seed(0)
    dataset = DATASETS.build(dict(type='PairedRainDataset', data_root=str(root), pipeline=[
        dict(type='PairedRandomCrop', patch_size=8), dict(type='PairedRandomFlip'), dict(type='PairedToTensor')]))
    item = dataset[2]
    assert item['inputs'].shape == item['data_samples']['gt'].shape == (3, 8, 8)
    torch.testing.assert_close(item['inputs'] - item['data_samples']['gt'], torch.full((3, 8, 8), 1 / 255))


def test_grayscale_and_16bit_images_become_rgb_float(tmp_path):
    write_image(tmp_path / 'input' / '1.png', np.full((12, 12), 65535, np.uint16))
    write_image(tmp_path / 'target' / '1.png', np.zeros((12, 12, 1), np.uint8))
    item = DATASETS.build(dict(type='PairedRainDataset', data_root=str(tmp_path)))[0]
    assert item['inputs'].shape == (3, 12, 12) and torch.all(item['inputs'] == 1)


@pytest.mark.parametrize('damage', ['corrupt', 'empty', 'truncated'])
def test_unreadable_image_raises_in_getitem_naming_the_file(make_layout, damage):
    root = make_layout('rain100_train')
    bad = root / 'norain-2.png'
    data = bad.read_bytes()
    bad.write_bytes({'corrupt': b'\x89PNG garbage' * 10, 'empty': b'', 'truncated': data[:len(data) // 2]}[damage])
    dataset = DATASETS.build(dict(type='PairedRainDataset', data_root=str(root)))
    dataset[0]  # the others still load
    with pytest.raises(ImageReadError, match=str(bad)):
        dataset[1]


def test_size_mismatch_names_both_files(make_layout):
    root = make_layout('input_target')
    write_image(root / 'target' / '3.png', np.zeros((5, 5, 3), np.uint8))
    with pytest.raises(ValueError, match='3.png.*same size'):
        DATASETS.build(dict(type='PairedRainDataset', data_root=str(root)))[2]


def test_missing_root_error_names_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match='rain-N.png'):
        DATASETS.build(dict(type='PairedRainDataset', data_root=str(tmp_path / 'Rain100L' / 'train')))


def _break_pairs(root):
    """Pair 2: the rainy file truncated; pair 3: a clean partner of another size; pair 4 good."""
    data = (root / 'rain-2.png').read_bytes()
    (root / 'rain-2.png').write_bytes(data[:len(data) // 2])
    write_image(root / 'norain-3.png', np.zeros((16, 21, 3), np.uint8))


def test_bad_pairs_are_listed_before_training(make_layout, tmp_path):
    from mmengine.config import Config

    from derain_toolkit.engine.runner_utils import PreflightError, preflight
    root = make_layout('rain100_train', numbers=(1, 2, 3, 4))
    _break_pairs(root)
    dataset = DATASETS.build(dict(type='PairedRainDataset', data_root=str(root)))
    problems = dataset.pair_problems()
    assert problems[0].endswith('2 of 4 pairs are unreadable or of different sizes; fix or remove them, or set '
                                'skip_bad_pairs=True on the dataset to train without them (reported):')
    assert 'rain-2.png' in problems[1] and 'truncated' in problems[1]
    assert 'norain-3.png' in problems[2] and '(16, 20)' in problems[2] and '(16, 21)' in problems[2]
    cfg = Config(dict(default_scope='derain_toolkit', train_dataloader=dict(
        dataset=dict(type='PairedRainDataset', data_root=str(root)))))
    with pytest.raises(PreflightError, match='rain-2.png') as error:
        preflight(cfg, ('train',))
    assert 'norain-3.png' in str(error.value)


def test_skip_bad_pairs_trains_on_the_rest_and_reports_them(make_layout, pair_of):
    root = make_layout('rain100_train', numbers=(1, 2, 3, 4))
    _break_pairs(root)
    dataset = DATASETS.build(dict(type='PairedRainDataset', data_root=str(root), skip_bad_pairs=True))
    assert [pair.key for pair in dataset.pairs] == ['rain-1', 'rain-4'] and dataset.pair_problems() == []
    assert len(dataset.skipped) == 2 and 'rain-2.png' in dataset.skipped[0] and 'norain-3.png' in dataset.skipped[1]
    rain, gt = pair_of(4)
    np.testing.assert_allclose(dataset[1]['data_samples']['gt'].permute(1, 2, 0).numpy(), gt / 255.0, atol=1e-6)
