"""Shared machinery of the image-quality metrics on ``predict`` outputs: the per-image score
and its mean (:class:`ScoreMeanMetric`), and the full-reference metrics (PSNR, SSIM) on it."""
from collections import defaultdict
from typing import Callable, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from derain_toolkit.evaluation.functional import check_protocol


def to_hwc(image: torch.Tensor, field: str) -> np.ndarray:
    """``(3, H, W)`` float tensor in [0, 1] -> ``(H, W, 3)`` float64 array."""
    if not isinstance(image, torch.Tensor) or image.ndim != 3 or image.shape[0] != 3:
        found = tuple(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
        raise ValueError(f"expected '{field}' to be a (3, H, W) tensor in [0, 1], got {found}")
    return image.detach().to('cpu', torch.float64).permute(1, 2, 0).numpy()


class ScoreMeanMetric(BaseMetric):
    """Mean of a per-image score over a dataset, and per source dataset when mixed.

    A subclass scores one image of a ``predict`` output (:meth:`score_sample`). The result
    holds ``{metric_name}`` (mean over all images) and, when the outputs carry a
    ``dataset`` entry with more than one value (a ``MixedRainDataset``),
    ``{metric_name}_{dataset}`` for each source. With ``score_input`` the rainy ``inputs``
    are scored too, as ``{metric_name}_input``: the baseline a deraining model has to beat.

    Declared for the core (``docs/adding_a_component.md``): ``scores_input = True``, so
    ``tools/test.py`` and the table runner turn ``score_input`` on.

    Args:
        collect_device: mmengine's device for gathering results across ranks.
        prefix: Prefix of the metric names (``'{prefix}/PSNR'``).
        score_input: Also score the rainy input.
    """

    metric_name: str = ''
    scores_input = True

    def __init__(self, collect_device: str = 'cpu', prefix: Optional[str] = None, score_input: bool = False) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.score_input = score_input

    def score_sample(self, sample: dict, field: str) -> float:
        """The score of ``sample[field]`` (``'pred'`` or ``'inputs'``)."""
        raise NotImplementedError

    def process(self, data_batch: object, data_samples: Sequence[dict]) -> None:
        """Score every ``predict`` output of the batch."""
        for sample in data_samples:
            result = dict(score=self.score_sample(sample, 'pred'), dataset=sample.get('dataset'))
            if self.score_input:
                result['input_score'] = self.score_sample(sample, 'inputs')
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


class ImageQualityMetric(ScoreMeanMetric):
    """A full-reference score of ``pred`` (and, with ``score_input``, ``inputs``) against ``gt``.

    Each ``predict`` output must hold ``pred`` and ``gt`` as ``(3, H, W)`` float tensors in
    [0, 1]. They are scored by ``score_fn`` (an (H, W, 3) pair in, a float out) with
    ``crop_border``, ``y_channel`` and ``round_to_uint8`` (default True: both are rounded to
    ``uint8`` first, as Restormer scores saved PNGs), or by the whole scoring pipeline of a
    paper named by ``protocol`` (:data:`~derain_toolkit.evaluation.functional.PROTOCOLS`:
    ``'matlab_uint8_y'``, ``'matlab_double_y_ssim_downsample'``, ``'fadformer_torch_y'``; the
    dataset configs of Rain200L/H, DID-Data, DDN-Data and SPA-Data set theirs).

    Args:
        crop_border: Pixels removed on each side before scoring.
        y_channel: Score MATLAB's Y channel (True) or RGB.
        round_to_uint8: Round predictions and targets to ``uint8`` first.
        collect_device, prefix, score_input: As :class:`ScoreMeanMetric`.
        protocol: A named scoring pipeline (sets ``y_channel`` and ``round_to_uint8``), or ``None``.
    """

    score_fn: Callable[..., float]

    def __init__(self, crop_border: int = 0, y_channel: bool = True, round_to_uint8: bool = True,
                 collect_device: str = 'cpu', prefix: Optional[str] = None, score_input: bool = False,
                 protocol: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, score_input=score_input)
        check_protocol(protocol)
        self.protocol = protocol
        self.crop_border = crop_border
        self.y_channel = y_channel
        self.round_to_uint8 = round_to_uint8

    def score_sample(self, sample: dict, field: str) -> float:
        """``score_fn`` of ``sample[field]`` against ``sample['gt']``."""
        if sample.get('gt') is None:
            raise ValueError(f"{type(self).__name__} needs the ground truth 'gt' in each predict output; "
                             f"sample '{sample.get('key')}' has none (use a paired dataset for validation)")
        return type(self).score_fn(to_hwc(sample[field], field), to_hwc(sample['gt'], 'gt'),
                                   crop_border=self.crop_border, y_channel=self.y_channel,
                                   round_to_uint8=self.round_to_uint8, protocol=self.protocol)
