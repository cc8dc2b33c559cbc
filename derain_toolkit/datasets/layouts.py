"""Find the (rainy, clean) pairs of the published deraining dataset layouts.

Layouts (``data_root`` is the folder of one split):

- ``'rain100'``: Rain100L / Rain100H as released by JORDER (Yang et al.): files
  ``rain-N.png`` and ``norain-N.png`` anywhere under the root (flat, or in
  sub-folders such as ``rainy/``). Training sets number them ``rain-1.png``, test
  sets ``rain-001.png``; pairs are matched by the integer ``N``, never by sort
  order. Other files (``rainregion-N``, ``rainstreak-N``) are ignored.
- ``'input_target'``: Restormer's processed sets (Rain13K, Test100, Test1200,
  Test2800, Rain100L/H): ``input/`` (rainy) and ``target/`` (clean).
- ``'rain800_side_by_side'``: Rain800 as released with ID-CGAN (Zhang et al.):
  one image per pair, the clean and the rainy halves side by side.
- ``'rain800_folders'``: a rainy and a clean folder (e.g. ``rain/`` + ``norain/``,
  ``rainy/`` + ``gt/``).
- The list layouts of FADformer's loaders (``datasets/*_Dataloader.py``): a text file
  names the rainy images one per line, in the order used; the clean image is found
  by a rule on that name (:data:`LIST_LAYOUTS`):

  - ``'rain_norain_list'``: Rain200L/H as released by JORDER, and SPA-Data.
    ``rain/X2/LIST.TXT`` (Rain200H, Rain200L test) or ``rain/LIST.TXT`` (Rain200L
    training, SPA-Data) lists the rainy files of its own folder; the clean file is
    ``norain/<name with 'x2' removed>`` (``norain-1x2.png`` -> ``norain-1.png``; SPA
    names carry no ``x2`` and map to themselves).
  - ``'input_target_list'``: DDN-Data. ``<split>.txt`` beside the split folder
    (``DDN-Data/train.txt`` for ``DDN-Data/train``); ``input/<name>`` + ``target/<name>``.
  - ``'source_target_list'``: DID-Data. ``train.txt`` in the split folder (the test
    split's list is called ``train.txt`` too); ``Source/<name>`` + ``Target/<name>``.

Folder pairs (``input_target``, ``rain800_folders``) are matched by file stem when
both folders hold the same stems, otherwise by the last integer in the stem (after
dropping JORDER's ``x2`` suffix: ``norain-12x2`` is 12).
"""
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')
LIST_LAYOUT_NAMES = ('rain_norain_list', 'input_target_list', 'source_target_list')
LAYOUTS = ('rain100', 'input_target', 'rain800_side_by_side', 'rain800_folders') + LIST_LAYOUT_NAMES
RAIN_FOLDER_NAMES = ('rain', 'rainy', 'rainy_image', 'data')
CLEAN_FOLDER_NAMES = ('norain', 'gt', 'clean', 'ground_truth', 'label')

EXPECTED_LAYOUTS = """expected one of these layouts under the data root:
  rain100              rain-N.png + norain-N.png (Rain100L/H; N = 1 or 001, paired by number)
  input_target         input/*.png + target/*.png (Restormer: Rain13K, Test100, Test1200, Test2800)
  rain800_side_by_side *.jpg, each the clean and rainy halves side by side (Rain800, ID-CGAN release)
  rain800_folders      rain/ + norain/ (or rainy/ + gt/, ...), paired by number
  rain_norain_list     rain/X2/LIST.TXT or rain/LIST.TXT naming the rainy files of its folder,
                       clean norain/<name without 'x2'> (Rain200L/H JORDER release, SPA-Data)
  input_target_list    ../<split>.txt naming files of input/ and target/ (DDN-Data)
  source_target_list   train.txt naming files of Source/ and Target/ (DID-Data)"""

_RAIN100_PATTERN = re.compile(r'^(no)?rain-0*(\d+)$', re.IGNORECASE)
_NUMBER_PATTERN = re.compile(r'(\d+)')
_JORDER_SCALE_SUFFIX = re.compile(r'x2$', re.IGNORECASE)  # norain-12x2 (rainy) pairs with norain-12 (clean)


@dataclass(frozen=True)
class PairInfo:
    """One (rainy, clean) pair found on disk.

    Attributes:
        key: Name of the pair (the rainy file's stem).
        rain_path: The rainy image file.
        gt_path: The clean image file (the same file for side-by-side images).
        side_by_side: Both halves are in one image (Rain800 ID-CGAN release).
    """

    key: str
    rain_path: str
    gt_path: str
    side_by_side: bool = False


def list_images(folder: Path, recursive: bool = False) -> List[Path]:
    """Image files of ``folder`` (by extension), sorted by name."""
    files = folder.rglob('*') if recursive else folder.iterdir()
    return sorted(p for p in files if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)


def _jorder_stem(path: Path) -> str:
    """The stem without JORDER's trailing ``x2`` (the rainy ``norain-1x2.png`` -> ``norain-1``)."""
    return _JORDER_SCALE_SUFFIX.sub('', path.stem)


def file_number(path: Path) -> int:
    """The last integer in the file's stem (``rain-012.png`` -> 12; JORDER's ``norain-12x2.png`` -> 12)."""
    numbers = _NUMBER_PATTERN.findall(_jorder_stem(path))
    if not numbers:
        raise ValueError(f"cannot pair '{path}' by number: its name contains no digits")
    return int(numbers[-1])


def _index_by(files: Sequence[Path], key_fn, side: str) -> Dict:
    index = {}
    for path in files:
        key = key_fn(path)
        if key in index:
            raise ValueError(f"two {side} files share the pairing key {key!r}: '{index[key]}' and '{path}'; "
                             'remove the duplicate')
        index[key] = path
    return index


def _natural_key(name) -> Tuple:
    return tuple((0, int(t), '') if t.isdigit() else (1, 0, t) for t in _NUMBER_PATTERN.split(str(name)) if t)


def _match(rain_index: Dict, gt_index: Dict, root: Path) -> List[Tuple[Path, Path]]:
    missing_gt = sorted(set(rain_index) - set(gt_index), key=_natural_key)
    missing_rain = sorted(set(gt_index) - set(rain_index), key=_natural_key)
    if missing_gt or missing_rain:
        details = []
        if missing_gt:
            details.append(f'rainy images without a clean partner: {[str(rain_index[k]) for k in missing_gt[:5]]}')
        if missing_rain:
            details.append(f'clean images without a rainy partner: {[str(gt_index[k]) for k in missing_rain[:5]]}')
        raise ValueError(f"unpaired images under '{root}' ({len(missing_gt) + len(missing_rain)} in all): "
                         + '; '.join(details) + '; every rainy image needs exactly one clean image '
                         'with the same number')
    return [(rain_index[k], gt_index[k]) for k in sorted(rain_index, key=_natural_key)]


def pair_by_number(rain_files: Sequence[Path], gt_files: Sequence[Path], root: Path) -> List[Tuple[Path, Path]]:
    """Pair two file lists by stem if the stems agree, else by the last number in the stem.

    Args:
        rain_files: Rainy (or restored) images.
        gt_files: Clean images.
        root: Folder named in error messages.

    Returns:
        ``(rain, gt)`` path pairs in natural order of their key.

    Raises:
        ValueError: A file has no partner, two files share a number, or a name has no digits.
    """
    if {p.stem for p in rain_files} == {p.stem for p in gt_files} and len(rain_files) == len(gt_files):
        return _match(_index_by(rain_files, lambda p: p.stem, 'rainy'),
                      _index_by(gt_files, lambda p: p.stem, 'clean'), root)
    return _match(_index_by(rain_files, file_number, 'rainy'), _index_by(gt_files, file_number, 'clean'), root)


class MissingDatasetError(FileNotFoundError):
    """No dataset of the expected layout under a data root.

    The message names the root, what was found and the expected layouts; ``root``,
    ``layout`` and ``found`` let a caller reporting several missing datasets (the
    preflight of ``tools/train.py``) name each in one line and the layouts once.
    """

    def __init__(self, root: Path, layout: str, found: str) -> None:
        super().__init__(f"no '{layout}' dataset under '{root}': {found}.\n{EXPECTED_LAYOUTS}\n{SET_DATA_ROOT}")
        self.root, self.layout, self.found = root, layout, found


SET_DATA_ROOT = ("Set the dataset's data_root (e.g. test_dataloader.dataset.data_root) to the folder of one split "
                 '(e.g. data/Rain100L/train), and its layout / list_file if your copy differs '
                 '(configs/_base_/datasets/<set>.py shows the published layout).')


@dataclass(frozen=True)
class ListLayout:
    """Where a list layout keeps its list, its rainy and its clean images.

    Attributes:
        list_files: Candidate list files relative to the split folder, first found wins;
            ``{split}`` is the split folder's name.
        rain_dir: Rainy folder relative to the split folder (``None``: the list's folder).
        gt_dir: Clean folder relative to the split folder.
        gt_name: Clean file name from the rainy one.
    """

    list_files: Tuple[str, ...]
    rain_dir: Optional[str]
    gt_dir: str
    gt_name: Callable[[str], str]


def _same_name(name: str) -> str:
    return name


def _without_x2(name: str) -> str:
    return name.replace('x2', '')  # FADformer Rain_Dataloader.py: gt_name = rain_name.replace("x2", "")


#: The list layouts of FADformer's loaders (see the module docstring).
LIST_LAYOUTS = {
    'rain_norain_list': ListLayout(('rain/X2/LIST.TXT', 'rain/LIST.TXT'), None, 'norain', _without_x2),
    'input_target_list': ListLayout(('../{split}.txt', '{split}.txt'), 'input', 'target', _same_name),
    'source_target_list': ListLayout(('train.txt', 'test.txt'), 'Source', 'Target', _same_name),
}


def _list_candidates(root: Path, layout: str, list_file: Optional[str]) -> List[str]:
    """The list files to look for, relative to ``root``: ``list_file``, else the layout's own."""
    return [list_file] if list_file else [c.format(split=root.resolve().name) for c in LIST_LAYOUTS[layout].list_files]


def _find_list_file(root: Path, layout: str, list_file: Optional[str]) -> Optional[Path]:
    return next((root / c for c in _list_candidates(root, layout, list_file) if (root / c).is_file()), None)


def _list_pairs(root: Path, layout: str, list_file: Optional[str], rain_dir: Optional[str],
                gt_dir: Optional[str]) -> List[PairInfo]:
    spec = LIST_LAYOUTS[layout]
    path = _find_list_file(root, layout, list_file)
    if path is None:
        tried = _list_candidates(root, layout, list_file)
        raise MissingDatasetError(root, layout, f'no list file (looked for {tried} under the root; set list_file)')
    names = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    if not names:
        raise MissingDatasetError(root, layout, f"the list file '{path}' names no images")
    rain_folder = root / rain_dir if rain_dir else (root / spec.rain_dir if spec.rain_dir else path.parent)
    gt_folder = root / (gt_dir or spec.gt_dir)
    pairs = [PairInfo(Path(name).stem, str(rain_folder / name), str(gt_folder / spec.gt_name(name)))
             for name in names]
    absent = [p for pair in pairs for p in (pair.rain_path, pair.gt_path) if not Path(p).is_file()]
    if absent:
        raise FileNotFoundError(f"incomplete '{layout}' dataset under '{root}': {len(absent)} of the "
                                f"{2 * len(pairs)} files named by '{path}' are missing, e.g. {absent[:3]}.\n"
                                f'{EXPECTED_LAYOUTS}\nComplete the copy, or point data_root / list_file / '
                                'rain_dir / gt_dir of the dataset config at the files you have.')
    _index_by([Path(pair.rain_path) for pair in pairs], lambda p: p.name, 'listed rainy')  # repeats raise
    return pairs


def _rain100_pairs(root: Path) -> List[PairInfo]:
    rain, clean = [], []
    for path in list_images(root, recursive=True):
        match = _RAIN100_PATTERN.match(path.stem)
        if match:
            (clean if match.group(1) else rain).append(path)
    if not rain and not clean:
        raise MissingDatasetError(root, 'rain100', 'no rain-N / norain-N images')
    rain_index = _index_by(rain, lambda p: int(_RAIN100_PATTERN.match(p.stem).group(2)), 'rainy')
    gt_index = _index_by(clean, lambda p: int(_RAIN100_PATTERN.match(p.stem).group(2)), 'clean')
    return [PairInfo(r.stem, str(r), str(g)) for r, g in _match(rain_index, gt_index, root)]


def _folder_pairs(root: Path, rain_dir: str, gt_dir: str, layout: str) -> List[PairInfo]:
    rain_folder, gt_folder = root / rain_dir, root / gt_dir
    for folder in (rain_folder, gt_folder):
        if not folder.is_dir():
            raise MissingDatasetError(root, layout, f"folder '{folder}' does not exist")
    rain_files, gt_files = list_images(rain_folder), list_images(gt_folder)
    if not rain_files or not gt_files:
        raise MissingDatasetError(root, layout, f"'{rain_folder}' has {len(rain_files)} and '{gt_folder}' has "
                       f'{len(gt_files)} images')
    return [PairInfo(r.stem, str(r), str(g)) for r, g in pair_by_number(rain_files, gt_files, root)]


def _find_folder(root: Path, names: Sequence[str]) -> Optional[str]:
    return next((name for name in names if (root / name).is_dir()), None)


def _side_by_side_pairs(root: Path) -> List[PairInfo]:
    files = list_images(root)
    if not files:
        raise MissingDatasetError(root, 'rain800_side_by_side', 'no images in the folder')
    files = sorted(files, key=lambda p: _natural_key(p.stem))
    return [PairInfo(p.stem, str(p), str(p), side_by_side=True) for p in files]


def detect_layout(root: Path) -> str:
    """Guess the layout of ``root``: a list layout whose folders and list file are there,
    input/target folders, rain-N files, rain/clean folders, else images."""
    for layout, spec in LIST_LAYOUTS.items():
        folders = [spec.gt_dir] + ([spec.rain_dir] if spec.rain_dir else [])
        if all((root / f).is_dir() for f in folders) and _find_list_file(root, layout, None):
            return layout
    if (root / 'input').is_dir() and (root / 'target').is_dir():
        return 'input_target'
    if any(_RAIN100_PATTERN.match(p.stem) for p in list_images(root, recursive=True)):
        return 'rain100'
    if _find_folder(root, RAIN_FOLDER_NAMES) and _find_folder(root, CLEAN_FOLDER_NAMES):
        return 'rain800_folders'
    if list_images(root):
        return 'rain800_side_by_side'
    raise MissingDatasetError(root, 'auto', 'no images and none of the known sub-folders')


def discover_pairs(data_root: str, layout: str = 'auto', rain_dir: Optional[str] = None,
                   gt_dir: Optional[str] = None, list_file: Optional[str] = None) -> Tuple[str, List[PairInfo]]:
    """List the pairs of one dataset split.

    Args:
        data_root: Folder of one split (e.g. ``data/Rain100L/train``).
        layout: One of :data:`LAYOUTS`, or ``'auto'`` to detect it.
        rain_dir: Rainy sub-folder for folder layouts (default ``input`` for
            ``input_target``, the first of :data:`RAIN_FOLDER_NAMES` present otherwise).
        gt_dir: Clean sub-folder (default ``target``, or the first of :data:`CLEAN_FOLDER_NAMES`;
            that of :data:`LIST_LAYOUTS` for list layouts).
        list_file: List file of a list layout, relative to ``data_root`` (default: the
            layout's candidates in :data:`LIST_LAYOUTS`).

    Returns:
        The layout used and the pairs in natural order of their key (list layouts: in
        the list's order).

    Raises:
        FileNotFoundError: The root is missing or holds no dataset of the layout
            (the message lists the expected layouts).
        ValueError: Unknown layout, or images that cannot be paired.
    """
    root = Path(data_root)
    if layout != 'auto' and layout not in LAYOUTS:
        raise ValueError(f"unknown layout '{layout}'; expected 'auto' or one of {LAYOUTS}")
    if not root.is_dir():
        raise MissingDatasetError(root, layout, 'the folder does not exist')
    if layout == 'auto':
        layout = detect_layout(root)
    if layout == 'rain100':
        pairs = _rain100_pairs(root)
    elif layout == 'input_target':
        pairs = _folder_pairs(root, rain_dir or 'input', gt_dir or 'target', layout)
    elif layout == 'rain800_folders':
        rain_dir = rain_dir or _find_folder(root, RAIN_FOLDER_NAMES) or RAIN_FOLDER_NAMES[0]
        gt_dir = gt_dir or _find_folder(root, CLEAN_FOLDER_NAMES) or CLEAN_FOLDER_NAMES[0]
        pairs = _folder_pairs(root, rain_dir, gt_dir, layout)
    elif layout in LIST_LAYOUTS:
        pairs = _list_pairs(root, layout, list_file, rain_dir, gt_dir)
    else:
        pairs = _side_by_side_pairs(root)
    return layout, pairs
