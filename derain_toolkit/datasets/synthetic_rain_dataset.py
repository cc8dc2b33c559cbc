"""On-the-fly synthetic rain pairs: the toolkit's embedded default dataset."""
from typing import Callable, Dict, Optional, Sequence, Union

import numpy as np

from derain_toolkit.datasets._rain_dataset_base import RainDatasetBase
from derain_toolkit.datasets.synthetic_rain import (
    CLEAN_SOURCES,
    PATTERN_INDEX,
    RAIN_PATTERNS,
    load_clean_image,
    random_clean_crop,
    render_rain,
    sample_rain_params,
)
from derain_toolkit.registry import DATASETS
from derain_toolkit.utils.image_io import to_float01


@DATASETS.register_module()
class SyntheticRainDataset(RainDatasetBase):
    """Rain rendered on packaged clean photos, deterministic per (seed, index).

    Sample ``index`` uses ``numpy.random.default_rng([seed, index])`` to pick a
    clean source, a random square crop resized to ``image_size``, a flip, and the
    rain parameters of pattern ``patterns[index % len(patterns)]`` (so the
    patterns are balanced); see :mod:`derain_toolkit.datasets.synthetic_rain`.
    Both images are 8-bit before scaling to [0, 1], so they match what
    ``tools/make_synthetic_rain.py`` writes to disk bit for bit.

    ``data_samples`` carry ``pattern`` (e.g. ``'heavy'``), ``pattern_index``
    (its position in :data:`RAIN_PATTERNS`), ``angle`` (degrees) and ``source``
    (the clean photo), besides ``key`` (``'synthetic-{index}'``) and
    ``rain_path``/``gt_path`` (empty: nothing on disk). Metadata stays flat (no
    nested dicts, which ``pseudo_collate`` would transpose); all rain parameters
    are in :meth:`render` and in the labels file of ``tools/make_synthetic_rain.py``.

    Args:
        num_samples: Length of the dataset.
        image_size: Side of the square images (crop the source, then resize).
        patterns: Rain patterns to cycle through, from :data:`RAIN_PATTERNS`.
        seed: Seed of the whole dataset (use different seeds for train/val/test).
        pipeline: Transform configs (``TRANSFORMS``) or callables on the sample dict.
        sources: Names of clean photos to use (default all of ``CLEAN_SOURCES``).
        max_angle: Streak angles are uniform in ``[-max_angle, max_angle]`` degrees.
        with_haze: Render the haze veil of each pattern.
        with_drops: Render lens raindrops.
        name: Name stored in each sample's ``dataset`` entry.
    """

    def __init__(self, num_samples: int = 100, image_size: int = 128,
                 patterns: Sequence[str] = RAIN_PATTERNS, seed: int = 0,
                 pipeline: Optional[Sequence[Union[dict, Callable]]] = None,
                 sources: Optional[Sequence[str]] = None, max_angle: float = 30.0,
                 with_haze: bool = True, with_drops: bool = False, name: str = 'synthetic') -> None:
        super().__init__(name, pipeline)
        unknown = [p for p in patterns if p not in PATTERN_INDEX]
        if unknown or not patterns:
            raise ValueError(f'patterns must be a non-empty subset of {RAIN_PATTERNS}, got {list(patterns)}')
        self.sources = list(sources or CLEAN_SOURCES)
        unknown = [s for s in self.sources if s not in CLEAN_SOURCES]
        if unknown:
            raise ValueError(f'unknown clean sources {unknown}; expected names from {sorted(CLEAN_SOURCES)}')
        self.num_samples = num_samples
        self.image_size = image_size
        self.patterns = tuple(patterns)
        self.seed = seed
        self.max_angle = max_angle
        self.with_haze = with_haze
        self.with_drops = with_drops

    @property
    def metainfo(self) -> Dict:
        return dict(name=self.name, patterns=self.patterns, seed=self.seed, image_size=self.image_size)

    def __len__(self) -> int:
        return self.num_samples

    def render(self, index: int) -> dict:
        """Render sample ``index`` as 8-bit images with its labels.

        Returns:
            ``dict(rain=(S, S, 3) uint8, gt=(S, S, 3) uint8, pattern, pattern_index,
            angle, source, rain_params)``.
        """
        if not 0 <= index < self.num_samples:
            raise IndexError(f'index {index} out of range for {self.num_samples} synthetic samples')
        rng = np.random.default_rng([self.seed, index])
        source = self.sources[int(rng.integers(len(self.sources)))]
        gt = random_clean_crop(load_clean_image(source), self.image_size, rng)
        params = sample_rain_params(self.patterns[index % len(self.patterns)], rng, self.max_angle,
                                    self.with_haze, self.with_drops)
        rain = render_rain(gt, params, rng)
        return dict(rain=rain, gt=gt, pattern=params.pattern, pattern_index=PATTERN_INDEX[params.pattern],
                    angle=params.angle, source=source, rain_params=params.to_dict())

    def load(self, index: int) -> dict:
        sample = self.render(index)
        del sample['rain_params']
        sample['rain'], sample['gt'] = to_float01(sample['rain']), to_float01(sample['gt'])
        sample.update(key=f'synthetic-{index}', rain_path='', gt_path='')
        return sample
