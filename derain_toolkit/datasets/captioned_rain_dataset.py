"""Rainy images with the captions DA-CLIP's controller learns from (DA-CLIP paper Sec. III, Eq. 4).

Captions come from the official caption file of DA-CLIP (Algolzw/daclip-uir
``scripts/generate_captions.py``, read by ``da-clip/src/training/data.py`` ``CsvDataset``):
tab-separated, a header row ``filepath<TAB>title``, one row per degraded image with
``title = "<clean caption>: <degradation>"`` (e.g. ``a red car on a street: rainy``), as
pandas writes it (``to_csv(sep='\\t', index=False)``: fields quoted only when needed). The
official reader splits the title at ``': '`` (a caption containing ``': '`` breaks it); here
the split is at the last ``': '``. Rows are matched to the rainy images by path (as
written, or resolved from the working directory), else by a file name unique in the file.
Images without a row get the template caption "a photo of a clean scene" and the default
degradation (the paper captions clean images with BLIP, which cannot be downloaded here).
"""
import csv
import os
from typing import Optional, Union

from mmengine.logging import print_log
from torch.utils.data import Dataset

from derain_toolkit.registry import DATASETS

FALLBACK_CAPTION = 'a photo of a clean scene'


def read_captions(path: str) -> dict[str, tuple[str, str]]:
    """Official DA-CLIP caption file -> ``{filepath: (caption, degradation)}``."""
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.reader(f, delimiter='\t'))
    if not rows or rows[0][:2] != ['filepath', 'title']:
        raise ValueError(f'captions file {path} should start with the header "filepath<TAB>title" (the official '
                         f'DA-CLIP caption file); found {rows[0] if rows else "an empty file"}')
    captions = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2 or ': ' not in row[1]:
            raise ValueError(f'captions file {path} line {line}: expected "filepath<TAB>caption: degradation", '
                             f'found {row}')
        caption, degradation = row[1].rsplit(': ', 1)
        captions[os.path.normpath(row[0])] = (caption, degradation)
    return captions


def match_captions(captions: dict[str, tuple[str, str]], paths: list[str]) -> list[Optional[tuple[str, str]]]:
    """The caption row of each rainy image: by path as written or resolved, else by a unique file name."""
    resolved = {os.path.abspath(k): v for k, v in captions.items()}
    by_name: dict[str, list[tuple[str, str]]] = {}
    for key, value in captions.items():
        by_name.setdefault(os.path.basename(key), []).append(value)
    matched = []
    for path in paths:
        row = captions.get(os.path.normpath(path)) or resolved.get(os.path.abspath(path))
        if row is None and len(by_name.get(os.path.basename(path), [])) == 1:
            row = by_name[os.path.basename(path)][0]
        matched.append(row)
    return matched


def rain_paths(dataset: Dataset) -> Optional[list[str]]:
    """The rainy image file of each sample, without reading images (``None``: no files, e.g. synthetic)."""
    if hasattr(dataset, 'pairs'):  # PairedRainDataset
        return [pair.rain_path for pair in dataset.pairs]
    if hasattr(dataset, 'datasets'):  # MixedRainDataset, in its index order
        parts = [rain_paths(part) for part in dataset.datasets]
        return None if any(part is None for part in parts) else [path for part in parts for path in part]
    return None


@DATASETS.register_module()
class CaptionedRainDataset(Dataset):
    """A rain dataset whose samples also carry ``caption`` and ``degradation`` texts.

    Args:
        dataset: Config (or instance) of a rain dataset giving rainy images.
        captions: The official DA-CLIP caption file, or ``None`` for the template caption.
        degradation: Degradation text of images without a caption row.
    """

    def __init__(self, dataset: Union[dict, Dataset], captions: Optional[str] = None,
                 degradation: str = 'rainy') -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.rows: list[Optional[tuple[str, str]]] = [None] * len(self.dataset)
        self.degradation = degradation
        if captions is None:
            print_log(f'no captions file: every image uses the template caption "{FALLBACK_CAPTION}" (BLIP '
                      'captioning is not available here), so only the degradation term is informative',
                      logger='current')
            return
        paths = rain_paths(self.dataset)
        if paths is None:
            raise ValueError(f'captions {captions} need a dataset of image files; {type(self.dataset).__name__} '
                             'has no rainy image paths')
        self.rows = match_captions(read_captions(captions), paths)
        found = sum(row is not None for row in self.rows)
        if not found:
            raise ValueError(f'no rainy image of the dataset has a row in the captions file {captions} (e.g. '
                             f'{paths[0]!r}); its filepath column must name the same files')
        print_log(f'{found} of {len(self.dataset)} images have a caption in {captions}; the others use '
                  f'"{FALLBACK_CAPTION}: {degradation}"', logger='current')

    @property
    def metainfo(self) -> dict:
        return getattr(self.dataset, 'metainfo', {})

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> dict:
        item = self.dataset[index]
        caption, degradation = self.rows[index] or (FALLBACK_CAPTION, self.degradation)
        item['data_samples'] = dict(item['data_samples'], caption=caption, degradation=degradation)
        return item
