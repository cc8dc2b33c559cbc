"""The Rain200L/H, DID-Data, DDN-Data and SPA-Data layouts (FADformer's list loaders, NeRD-Rain's
input/target copy): pairing by each release's naming rule, counts against the published ones, and
the messages of missing or incomplete copies."""
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from derain_toolkit.datasets.layouts import discover_pairs
from derain_toolkit.engine.runner_utils import PreflightError, preflight
from derain_toolkit.registry import DATASETS
from derain_toolkit.utils.image_io import write_image

CONFIGS = Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets'
LISTED = (10, 1, 2)  # list order differs from natural and string order: the list's order is kept


def _write_pairs(pair_of, rain_folder: Path, gt_folder: Path, names, gt_name=lambda name: name):
    for number, name in names:
        rain, gt = pair_of(number)
        write_image(rain_folder / name, rain)
        write_image(gt_folder / gt_name(name), gt)


def make_jorder(root: Path, pair_of, x2_folder: bool = True) -> Path:
    """JORDER's Rain200 release: rain/X2/LIST.TXT naming norain-Nx2.png, clean norain/norain-N.png."""
    rain_folder = root / 'rain' / 'X2' if x2_folder else root / 'rain'
    names = [(n, f'norain-{n}x2.png') for n in LISTED]
    _write_pairs(pair_of, rain_folder, root / 'norain', names, lambda name: name.replace('x2', ''))
    write_image(rain_folder / 'norain-20x2.png', pair_of(20)[0])  # on disk but not listed: not a pair
    (rain_folder / 'LIST.TXT').write_text(''.join(f'{name}\n' for _, name in names) + '\n')
    return root


def make_spa(root: Path, pair_of) -> Path:
    names = [(n, f'{n:03d}_{n}.png') for n in LISTED]
    _write_pairs(pair_of, root / 'rain', root / 'norain', names)
    (root / 'rain' / 'LIST.TXT').write_text('\n'.join(name for _, name in names))
    return root


def make_ddn(root: Path, pair_of, split: str = 'test') -> Path:
    """DDN-Data as FADformer reads it: <split>.txt beside the split folder, input/ + target/, same names."""
    names = [(n, f'{900 + n}_{n % 14 + 1}.png') for n in LISTED]
    _write_pairs(pair_of, root / split / 'input', root / split / 'target', names)
    (root / f'{split}.txt').write_text('\n'.join(name for _, name in names))
    return root / split


def make_did(root: Path, pair_of) -> Path:
    """DID-Data: train.txt (also for the test split) in the split folder, Source/ + Target/."""
    names = [(n, f'{n}.png') for n in LISTED]
    _write_pairs(pair_of, root / 'Source', root / 'Target', names)
    (root / 'train.txt').write_text('\n'.join(name for _, name in names))
    return root


def _numbers(dataset) -> list:
    """The pair number encoded in each loaded (rain, gt) pair (see conftest.pair_images)."""
    found = []
    for index in range(len(dataset)):
        sample = dataset.load(index)
        rain, gt = np.round(sample['rain'] * 255), np.round(sample['gt'] * 255)
        assert np.array_equal(rain, gt + 1)  # the rainy image of the same pair
        found.append(int(gt[0, 0, 0]))
    return found


@pytest.mark.parametrize('maker,layout', [
    (lambda root, pair_of: make_jorder(root, pair_of), 'rain_norain_list'),
    (lambda root, pair_of: make_jorder(root, pair_of, x2_folder=False), 'rain_norain_list'),
    (make_spa, 'rain_norain_list'),
    (make_ddn, 'input_target_list'),
    (make_did, 'source_target_list'),
])
def test_list_layouts_pair_by_their_naming_rule_in_list_order(tmp_path, pair_of, maker, layout):
    root = maker(tmp_path / 'set', pair_of)
    init_default_scope('derain_toolkit')
    dataset = DATASETS.build(dict(type='PairedRainDataset', data_root=str(root), layout='auto'))
    assert dataset.layout == layout
    assert _numbers(dataset) == list(LISTED)
    assert discover_pairs(str(root), layout)[1] == dataset.pairs


def test_jorder_names_drop_x2_for_the_clean_file(tmp_path, pair_of):
    root = make_jorder(tmp_path / 'Rain200H' / 'test', pair_of)
    _, pairs = discover_pairs(str(root))
    assert [(Path(p.rain_path).relative_to(root).as_posix(), Path(p.gt_path).relative_to(root).as_posix())
            for p in pairs] == [(f'rain/X2/norain-{n}x2.png', f'norain/norain-{n}.png') for n in LISTED]


def test_nerdrain_input_target_copy_pairs_jorder_names(tmp_path, pair_of):
    # A copy keeping JORDER's names in input/ + target/: by string order norain-10x2 would sort
    # before norain-1x2 but norain-1 before norain-10 (NeRD-Rain pairs by sorted order); by
    # number the x2 suffix would give every rainy file the number 2.
    root = tmp_path / 'Rain200L' / 'train'
    _write_pairs(pair_of, root / 'input', root / 'target', [(n, f'norain-{n}x2.png') for n in LISTED],
                 lambda name: name.replace('x2', ''))
    layout, pairs = discover_pairs(str(root))
    assert layout == 'input_target'
    assert [(Path(p.rain_path).name, Path(p.gt_path).name) for p in pairs] == [
        (f'norain-{n}x2.png', f'norain-{n}.png') for n in (1, 2, 10)]


def test_missing_list_and_incomplete_copy_name_layout_and_keys(tmp_path, pair_of):
    root = make_did(tmp_path / 'DID-Data' / 'test', pair_of)
    with pytest.raises(FileNotFoundError, match=r"no list file \(looked for \['absent.txt'\].*set list_file") as info:
        discover_pairs(str(root), 'source_target_list', list_file='absent.txt')
    assert 'source_target_list   train.txt naming files of Source/ and Target/' in str(info.value)
    assert 'data_root' in str(info.value)
    (root / 'Target' / '2.png').unlink()
    with pytest.raises(FileNotFoundError, match=r"incomplete 'source_target_list' dataset.*1 of the 6 files") as info:
        discover_pairs(str(root), 'source_target_list')
    assert str(root / 'Target' / '2.png') in str(info.value) and 'list_file' in str(info.value)
    ddn = make_ddn(tmp_path / 'DDN-Data', pair_of)
    (tmp_path / 'DDN-Data' / 'test.txt').unlink()
    with pytest.raises(FileNotFoundError, match=r"no 'input_target_list' dataset.*\['../test.txt', 'test.txt'\]"):
        discover_pairs(str(ddn), 'input_target_list')


def test_repeated_list_entry_is_refused(tmp_path, pair_of):
    root = make_spa(tmp_path / 'SPA-Data' / 'test', pair_of)
    with open(root / 'rain' / 'LIST.TXT', 'a') as file:
        file.write('\n001_1.png\n')
    with pytest.raises(ValueError, match="share the pairing key '001_1.png'"):
        discover_pairs(str(root))


@pytest.mark.parametrize('config,split,maker,published', [
    ('rain200h', 'train', make_jorder, 1800), ('rain200l', 'test', make_jorder, 200),
    ('spa', 'test', make_spa, 1000), ('did', 'train', make_did, 12000), ('ddn', 'test', make_ddn, 1400)])
def test_configs_read_their_layout_and_preflight_reports_the_published_count(
        tmp_path, pair_of, config, split, maker, published):
    cfg = Config.fromfile(CONFIGS / f'{config}.py')
    loader = cfg[f'{split}_dataloader']
    root = maker(tmp_path / 'copy', pair_of)
    loader.dataset.data_root = str(root)
    lines = preflight(Config(dict(default_scope='derain_toolkit', test_dataloader=loader)), ('test',))
    assert lines == [f"{loader.dataset.name} ('{root}', layout '{loader.dataset.get('layout', 'auto')}'): 3 pairs, "
                     f'but the published split has {published}: a subset or another copy (scores are not '
                     "comparable with the papers')".replace("layout 'auto'", "layout 'rain_norain_list'")]
    loader.dataset.published_pairs = 3
    assert preflight(Config(dict(default_scope='derain_toolkit', test_dataloader=loader)), ('test',))[0].endswith(
        '3 pairs, as published')
    loader.dataset.data_root = str(tmp_path / 'absent')
    with pytest.raises(PreflightError, match="(?s)test_dataloader.dataset.data_root=.*absent.: the folder does not exist"):
        preflight(Config(dict(default_scope='derain_toolkit', test_dataloader=loader)), ('test',))
