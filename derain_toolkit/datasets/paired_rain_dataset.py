"""Paired rainy/clean images in the published layouts (CLIP-RPN Sec. 4.1 datasets)."""
import logging
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log

from derain_toolkit.datasets._rain_dataset_base import RainDatasetBase
from derain_toolkit.datasets.layouts import discover_pairs
from derain_toolkit.registry import DATASETS
from derain_toolkit.utils.image_io import ImageReadError, image_size, read_image, to_float01, to_rgb


@DATASETS.register_module()
class PairedRainDataset(RainDatasetBase):
    """Rainy/clean pairs of Rain100L/H, Rain13K and the Restormer test sets, Rain800, Rain200L/H,
    DID-Data, DDN-Data or SPA-Data.

    The layouts and the pairing rules are in :mod:`derain_toolkit.datasets.layouts`.
    Images are read as 8- or 16-bit, converted to RGB (gray repeated, alpha dropped)
    and scaled to float32 in [0, 1]. A missing, empty, truncated or corrupt file
    raises :class:`~derain_toolkit.utils.image_io.ImageReadError` naming it, from
    ``__getitem__``. :meth:`pair_problems` finds unreadable files and pairs of different
    sizes from the file headers before training (``tools/train.py``'s preflight lists them);
    ``skip_bad_pairs=True`` drops those pairs instead, with a warning naming each (issue 17).

    Rain800 side-by-side images (ID-CGAN release) hold the clean and the rainy
    half; public loaders disagree on which side is which, so ``rain800_rain_side``
    chooses. The default ``'right'`` (clean half on the left) is a choice, not a
    fact of the release: look at one image of your copy and set it.

    Args:
        data_root: Folder of one split (e.g. ``data/Rain100L/train``).
        layout: ``'auto'`` or one of :data:`~derain_toolkit.datasets.layouts.LAYOUTS`
            (``'rain100'``, ``'input_target'``, ``'rain800_side_by_side'``, ``'rain800_folders'``,
            ``'rain_norain_list'``, ``'input_target_list'``, ``'source_target_list'``).
        pipeline: Transform configs (``TRANSFORMS``) or callables on the sample dict.
        rain800_rain_side: ``'left'`` or ``'right'``: the rainy half of side-by-side images.
        rain_dir: Rainy sub-folder for folder layouts (``input`` / auto-detected by default).
        gt_dir: Clean sub-folder for folder layouts (``target`` / auto-detected by default).
        name: Name stored in each sample (``data_samples['dataset']``); default the
            root's folder names (``Rain100L/train``).
        skip_bad_pairs: Drop the pairs :meth:`pair_problems` finds (reported as a warning)
            instead of letting the preflight stop the run.
        list_file: List file of a list layout, relative to ``data_root`` (default: the
            layout's own, e.g. ``rain/X2/LIST.TXT``).
        published_pairs: Number of pairs of the published split (Rain200L/H: 1,800
            training, 200 test), reported beside the number found by the preflight of
            ``tools/train.py`` / ``tools/test.py``; ``None``: not known.
    """

    def __init__(self, data_root: str, layout: str = 'auto',
                 pipeline: Optional[Sequence[Union[dict, Callable]]] = None,
                 rain800_rain_side: str = 'right', rain_dir: Optional[str] = None,
                 gt_dir: Optional[str] = None, name: Optional[str] = None, skip_bad_pairs: bool = False,
                 list_file: Optional[str] = None, published_pairs: Optional[int] = None) -> None:
        if rain800_rain_side not in ('left', 'right'):
            raise ValueError(f"rain800_rain_side must be 'left' or 'right', got {rain800_rain_side!r}")
        root = Path(data_root)
        super().__init__(name or '/'.join(root.resolve().parts[-2:]), pipeline)
        self.data_root = str(data_root)
        self.rain800_rain_side = rain800_rain_side
        self.published_pairs = published_pairs
        self.layout, self.pairs = discover_pairs(data_root, layout, rain_dir, gt_dir, list_file)
        self.skip_bad_pairs = skip_bad_pairs
        self.skipped: list[str] = []  # the problem of each pair dropped by skip_bad_pairs
        if skip_bad_pairs:
            bad = self._bad_pairs()
            self.skipped = list(bad.values())
            if bad:
                print_log(f'{self.name}: skipping {len(bad)} of {len(self.pairs)} pairs (skip_bad_pairs=True):\n'
                          + '\n'.join(f'  {reason}' for reason in bad.values()), logger='current', level=logging.WARNING)
            self.pairs = [pair for index, pair in enumerate(self.pairs) if index not in bad]

    def _bad_pairs(self) -> dict[int, str]:
        """Index -> problem of every pair whose files are unreadable or whose sizes differ (from the headers)."""
        bad = {}
        for index, pair in enumerate(self.pairs):
            try:
                rain_size = image_size(pair.rain_path)
                if pair.side_by_side:
                    if rain_size[1] % 2:
                        bad[index] = (f"side-by-side image '{pair.rain_path}' has an odd width ({rain_size[1]}); "
                                      'expected two halves of equal width')
                    continue
                gt_size = image_size(pair.gt_path)
            except ImageReadError as error:
                bad[index] = str(error)
                continue
            if rain_size != gt_size:
                bad[index] = (f"rainy image '{pair.rain_path}' is {rain_size} but its clean partner "
                              f"'{pair.gt_path}' is {gt_size}; the pair must have the same size")
        return bad

    def pair_problems(self) -> list[str]:
        """What is wrong with each bad pair (see :meth:`_bad_pairs`), with the fix; empty when all are fine."""
        bad = self._bad_pairs()
        if not bad:
            return []
        return [f'{self.name}: {len(bad)} of {len(self.pairs)} pairs are unreadable or of different sizes; fix or '
                f'remove them, or set skip_bad_pairs=True on the dataset to train without them (reported):',
                *(f'    {reason}' for reason in bad.values())]

    @property
    def metainfo(self) -> Dict:
        return dict(name=self.name, data_root=self.data_root, layout=self.layout, num_pairs=len(self.pairs),
                    published_pairs=self.published_pairs)

    def pair_count_report(self) -> str:
        """One line: the pairs found against the published count (for the preflight)."""
        found = f"{self.name} ('{self.data_root}', layout '{self.layout}'): {len(self.pairs)} pairs"
        if self.published_pairs is None:
            return found
        if len(self.pairs) == self.published_pairs:
            return f'{found}, as published'
        return (f'{found}, but the published split has {self.published_pairs}: a subset or another copy '
                '(scores are not comparable with the papers\')')

    def __len__(self) -> int:
        return len(self.pairs)

    def _read(self, path: str) -> np.ndarray:
        return to_float01(to_rgb(read_image(path)))

    def load(self, index: int) -> dict:
        pair = self.pairs[index]
        if pair.side_by_side:
            image = self._read(pair.rain_path)
            width = image.shape[1]
            if width % 2:
                raise ImageReadError(pair.rain_path, f'side-by-side image has an odd width ({width}); expected '
                                     'the clean and rainy halves of equal width (is this a Rain800 image?)')
            left, right = image[:, :width // 2], image[:, width // 2:]
            rain, gt = (left, right) if self.rain800_rain_side == 'left' else (right, left)
        else:
            rain, gt = self._read(pair.rain_path), self._read(pair.gt_path)
            if rain.shape != gt.shape:
                raise ValueError(f"rainy image '{pair.rain_path}' is {rain.shape[:2]} but its clean partner "
                                 f"'{pair.gt_path}' is {gt.shape[:2]}; the pair must have the same size")
        return dict(rain=rain, gt=gt, key=pair.key, rain_path=pair.rain_path, gt_path=pair.gt_path)
