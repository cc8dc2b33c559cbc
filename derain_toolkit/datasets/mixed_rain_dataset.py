"""The Mixed dataset of CLIP-RPN Sec. 4.1: Rain100L + Rain100H + Rain800 together."""
from bisect import bisect_right
from itertools import accumulate
from typing import Dict, Optional, Sequence, Union

from torch.utils.data import Dataset

from derain_toolkit.registry import DATASETS


@DATASETS.register_module()
class MixedRainDataset(Dataset):
    """Concatenation of rain datasets that keeps each sample's source.

    CLIP-RPN (Sec. 4.1) trains and tests on "a mixed dataset combining all three
    datasets" (Rain100L, Rain100H, Rain800). Each item keeps the item format of
    its source and gets ``data_samples['dataset']`` = the source's name and
    ``data_samples['key']`` = ``'{name}/{key}'`` (keys are unique across sources).
    The metrics report a per-source mean next to the overall one.

    Args:
        datasets: Dataset configs (built from ``DATASETS``) or dataset objects; each
            item must follow the ARCHITECTURE.md item format.
        names: One name per dataset; default each dataset's ``metainfo['name']``.
        pipeline: When given, the transform pipeline of every member (replacing the
            members' own), so a config changes the augmentation of all sources at once
            (e.g. Restormer's recipe on Mixed); members must then be configs.
    """

    def __init__(self, datasets: Sequence[Union[dict, Dataset]], names: Optional[Sequence[str]] = None,
                 pipeline: Optional[Sequence[dict]] = None) -> None:
        if not datasets:
            raise ValueError('MixedRainDataset needs at least one dataset config in `datasets`')
        if pipeline is not None:
            if not all(isinstance(d, dict) for d in datasets):
                raise ValueError('MixedRainDataset: `pipeline` replaces the pipeline of member configs; '
                                 'pass the members as configs, not dataset objects, or drop `pipeline`')
            datasets = [dict(d, pipeline=list(pipeline)) for d in datasets]
        self.datasets = [DATASETS.build(d) if isinstance(d, dict) else d for d in datasets]
        if names is None:
            names = [getattr(d, 'metainfo', {}).get('name', type(d).__name__) for d in self.datasets]
        if len(names) != len(self.datasets):
            raise ValueError(f'got {len(names)} names for {len(self.datasets)} datasets; give one name per dataset')
        if len(set(names)) != len(names):
            raise ValueError(f'dataset names must be unique to tell the sources apart, got {list(names)}; '
                             'set `names` or each dataset\'s `name`')
        self.names = list(names)
        self.cumulative_sizes = list(accumulate(len(d) for d in self.datasets))

    @property
    def metainfo(self) -> Dict:
        """Names and sizes of the sources."""
        return dict(name='+'.join(self.names), sources=dict(zip(self.names, map(len, self.datasets))))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> dict:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f'index {index} out of range for a MixedRainDataset of {len(self)} samples')
        source = bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[source - 1] if source else 0
        item = self.datasets[source][index - start]
        meta = item['data_samples']
        meta['dataset'] = self.names[source]
        meta['key'] = f"{self.names[source]}/{meta.get('key', index - start)}"
        return item
