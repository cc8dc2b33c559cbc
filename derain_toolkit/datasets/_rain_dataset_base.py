"""What every rain dataset shares: the transform pipeline and the item format of ARCHITECTURE.md."""
from typing import Callable, Dict, Optional, Sequence, Union

import numpy as np
from torch.utils.data import Dataset

from derain_toolkit.datasets.transforms import PairedToTensor
from derain_toolkit.registry import TRANSFORMS

IMAGE_KEYS = ('rain', 'gt')


class RainDatasetBase(Dataset):
    """A dataset whose samples are dicts with ``'rain'`` and ``'gt'`` images.

    Subclasses implement ``__len__`` and ``load(index) -> dict`` returning ``rain``
    and ``gt`` as ``(H, W, 3)`` float32 RGB arrays in [0, 1] plus metadata
    (``key``, ``rain_path``, ``gt_path``, ...). ``__getitem__`` runs the pipeline
    and packs the item as ARCHITECTURE.md specifies:
    ``dict(inputs=(3, H, W) rainy tensor, data_samples=dict(gt=(3, H, W) tensor, **metadata))``.
    Arrays left by the pipeline (no ``PairedToTensor`` at its end) are converted here.

    Args:
        name: Dataset name, stored as ``data_samples['dataset']`` and ``metainfo['name']``.
        pipeline: Transform configs (built from ``TRANSFORMS``) or callables, applied in order.
    """

    def __init__(self, name: str, pipeline: Optional[Sequence[Union[dict, Callable]]] = None) -> None:
        self.name = name
        self.pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in (pipeline or [])]

    @property
    def metainfo(self) -> Dict:
        """Dataset meta information, handed to the evaluator by mmengine's loops."""
        return dict(name=self.name)

    def load(self, index: int) -> dict:
        """The raw sample ``index`` (see the class docstring)."""
        raise NotImplementedError

    def __getitem__(self, index: int) -> dict:
        results = self.load(index)
        for transform in self.pipeline:
            results = transform(results)
        if any(isinstance(results[k], np.ndarray) for k in IMAGE_KEYS):
            results = PairedToTensor(IMAGE_KEYS)(results)
        rain, gt = results.pop('rain'), results.pop('gt')  # (3, H, W) each
        results.setdefault('dataset', self.name)
        return dict(inputs=rain, data_samples=dict(gt=gt, **results))
