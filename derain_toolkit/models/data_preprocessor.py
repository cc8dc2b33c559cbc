"""Batch the datasets' samples for the Derainer (item format in docs/ARCHITECTURE.md)."""
from collections.abc import Mapping
from typing import Any

import torch
from mmengine.model import BaseDataPreprocessor

from derain_toolkit.registry import MODELS


def _select(collated: Any, index: int, batch: int) -> Any:
    """Sample ``index`` of a ``pseudo_collate``-d value (nested dicts of per-sample lists)."""
    if isinstance(collated, Mapping):
        return {key: _select(value, index, batch) for key, value in collated.items()}
    if isinstance(collated, (list, tuple)) and len(collated) == batch:
        return collated[index]
    return collated


@MODELS.register_module()
class DerainDataPreprocessor(BaseDataPreprocessor):
    """Stack rainy inputs and clean targets into (B, 3, H, W) tensors on the model's device.

    Input (from ``pseudo_collate``): ``dict(inputs=[(3,H,W), ...], data_samples=dict(gt=[(3,H,W), ...],
    key=[...], ...))``; a list of per-sample dicts is accepted too.
    Output: ``dict(inputs=(B,3,H,W), data_samples=dict(gt=(B,3,H,W) or None, meta=[dict, ...]))``,
    where ``meta`` keeps every other field of each sample. Images in one batch must share
    a size (validation and test use batch size 1 for full images of any size).
    """

    def forward(self, data: dict, training: bool = False) -> dict[str, Any]:
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            sizes = {tuple(img.shape) for img in inputs}
            if len(sizes) > 1:
                raise ValueError(f'DerainDataPreprocessor: images in one batch differ in size {sorted(sizes)}; '
                                 'crop them to one patch size (PairedRandomCrop) or use batch_size=1')
            inputs = torch.stack(list(inputs))
        samples = data.get('data_samples') or [{} for _ in range(inputs.shape[0])]
        if isinstance(samples, Mapping):  # pseudo_collate's dict of lists -> list of dicts
            samples = [_select(samples, i, inputs.shape[0]) for i in range(inputs.shape[0])]
        gts = [sample.get('gt') for sample in samples]
        gt = torch.stack(gts).to(inputs.dtype) if all(g is not None for g in gts) else None
        meta = [{k: v for k, v in sample.items() if k != 'gt'} for sample in samples]
        return dict(inputs=inputs.float(), data_samples=dict(gt=gt if gt is None else gt.float(), meta=meta))
