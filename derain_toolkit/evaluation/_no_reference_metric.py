"""Shared machinery of the no-reference metrics (NIQE, BRISQUE) on ``predict`` outputs."""
from typing import Callable

import numpy as np

from derain_toolkit.evaluation._image_quality_metric import ScoreMeanMetric, to_hwc


class NoReferenceMetric(ScoreMeanMetric):
    """Mean of a no-reference score of ``pred`` over a dataset, and per source dataset when mixed.

    No ground truth is read (real rainy photos have none). Images are scored by ``score_fn``
    (an ``(H, W, 3)`` ``uint8`` array in, a float out) as the 8-bit images a user would save;
    with ``score_input`` the rainy ``inputs`` are scored too (DDSA Table 2's "Rainy Image"
    column). Arguments as :class:`ScoreMeanMetric`.
    """

    score_fn: Callable[[np.ndarray], float]

    def score_sample(self, sample: dict, field: str) -> float:
        """``score_fn`` of ``sample[field]`` rounded to 8 bits."""
        image = np.round(np.clip(to_hwc(sample[field], field), 0, 1) * 255).astype(np.uint8)
        return type(self).score_fn(image)
