"""Shared machinery of the no-reference metrics (NIQE, BRISQUE) on ``predict`` outputs."""
from collections import defaultdict
from typing import Callable, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric


def _to_hwc_uint8(image: torch.Tensor, field: str) -> np.ndarray:
    """``(3, H, W)`` float tensor in [0, 1] -> ``(H, W, 3)`` ``uint8`` array (the saved image)."""
    if not isinstance(image, torch.Tensor) or image.ndim != 3 or image.shape[0] != 3:
        found = tuple(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
        raise ValueError(f"expected '{field}' to be a (3, H, W) tensor in [0, 1], got {found}")
    array = image.detach().to('cpu', torch.float64).clamp(0, 1).permute(1, 2, 0).numpy()
    return np.round(array * 255).astype(np.uint8)


class NoReferenceMetric(BaseMetric):
    """Mean of a no-reference score of ``pred`` over a dataset, and per source dataset when mixed.

    No ground truth is read (real rainy photos have none). Images are scored as the
    8-bit images a user would save. The result holds ``{metric_name}`` and, when the
    outputs carry more than one ``dataset`` value, ``{metric_name}_{dataset}``; with
    ``score_input`` the rainy ``inputs`` are scored too, as ``{metric_name}_input``
    (DDSA Table 2's "Rainy Image" column).

    Args:
        collect_device: mmengine's device for gathering results across ranks.
        prefix: Prefix of the metric names (``'{prefix}/NIQE'``).
        score_input: Also score the rainy input.
    """

    metric_name: str = ''
    score_fn: Callable[[np.ndarray], float]

    def __init__(self, collect_device: str = 'cpu', prefix: Optional[str] = None, score_input: bool = False) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.score_input = score_input

    def process(self, data_batch: object, data_samples: Sequence[dict]) -> None:
        """Score every ``predict`` output of the batch."""
        for sample in data_samples:
            result = dict(score=type(self).score_fn(_to_hwc_uint8(sample['pred'], 'pred')),
                          dataset=sample.get('dataset'))
            if self.score_input:
                result['input_score'] = type(self).score_fn(_to_hwc_uint8(sample['inputs'], 'inputs'))
            self.results.append(result)

    def compute_metrics(self, results: list) -> dict:
        """Average the per-image scores, overall and per source dataset."""
        metrics = {}
        fields = [('score', self.metric_name)] + ([('input_score', f'{self.metric_name}_input')]
                                                  if self.score_input else [])
        for field, name in fields:
            metrics[name] = float(np.mean([r[field] for r in results]))
            by_dataset = defaultdict(list)
            for result in results:
                by_dataset[result['dataset']].append(result[field])
            if len(by_dataset) > 1:
                for dataset, scores in by_dataset.items():
                    metrics[f'{name}_{dataset}'] = float(np.mean(scores))
        return metrics
