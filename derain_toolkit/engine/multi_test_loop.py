"""Test on several named test sets in one run, with one table row per set and their average.

mmengine's ``TestLoop`` evaluates one dataloader. Deraining papers report a row of
benchmarks (DDSA paper Table 1: Test100, Rain100H, Rain100L, Test2800, Test1200 and
their average), so this loop runs each named dataloader through the model with the
same metrics and returns ``{name}/{metric}`` for every set plus
``Average/{metric}``, the mean of the per-set values (how Table 1's "Average"
column is computed).

Config, either named dataloaders::

    test_dataloader = dict(Test100=dict(batch_size=1, dataset=...), Rain100H=dict(...))
    test_evaluator = [dict(type='PSNRMetric'), dict(type='SSIMMetric')]
    test_cfg = dict(type='MultiDatasetTestLoop')

or one dataloader over a ``MixedRainDataset`` (as ``configs/_base_/datasets/rain13k.py``
writes it), which the loop splits into one dataloader per member, named by the
member's ``name`` (or the mixed dataset's ``names``).
"""
import copy
import logging
from collections.abc import Mapping, Sequence
from typing import Optional, Union

import numpy as np
import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.runner.amp import autocast
from mmengine.runner.base_loop import BaseLoop
from torch.utils.data import DataLoader

from derain_toolkit.registry import LOOPS
from derain_toolkit.utils.tables import markdown_table

AVERAGE = 'Average'


def format_table(metrics: Mapping[str, float], names: Sequence[str]) -> str:
    """A Markdown table of ``{name}/{metric}`` values: one row per name, one column per metric."""
    columns = []
    for key in metrics:
        column = key.split('/', 1)[1]
        if column not in columns:
            columns.append(column)
    rows = [[name] + [f"{metrics[f'{name}/{column}']:.4f}" if f'{name}/{column}' in metrics else '-'
                      for column in columns] for name in names]
    return markdown_table(['Dataset', *columns], rows)


def _split_mixed(loader_cfg: Mapping) -> tuple[list[str], list[dict]]:
    """One dataloader config per member of the ``datasets`` list of ``loader_cfg['dataset']``."""
    dataset = loader_cfg['dataset']
    members = dataset.get('datasets') if isinstance(dataset, Mapping) else None
    if not members:
        raise ValueError('MultiDatasetTestLoop got a single dataloader config whose dataset is not a mixture '
                         f"(no 'datasets' list in {dict(dataset) if isinstance(dataset, Mapping) else dataset}); "
                         'give test_dataloader as {name: dataloader config}, a MixedRainDataset config, '
                         'or use test_cfg=dict(type="TestLoop")')
    names = dataset.get('names') or [member.get('name') for member in members]
    if len(names) != len(members) or any(name is None for name in names):
        raise ValueError(f'MultiDatasetTestLoop names the sets of a mixture by their `name`, got {list(names)} '
                         f'for {len(members)} datasets; set `name` on each member or `names` on the mixture')
    loaders = []
    for member in members:
        loader = copy.deepcopy(loader_cfg)
        loader['dataset'] = copy.deepcopy(member)
        loaders.append(loader)
    return list(names), loaders


@LOOPS.register_module()
class MultiDatasetTestLoop(BaseLoop):
    """Run every named test dataloader with a fresh evaluator of the same metrics.

    Hooks see one test "epoch": ``before_test_epoch`` once, ``before/after_test_iter``
    with the batch index restarting at 0 for each set (``self.dataloader`` is the set
    being run, so progress logs show its length), and ``after_test_epoch`` once with
    all the metrics.

    Args:
        runner: The mmengine runner.
        dataloader: ``{name: dataloader or config}``, a list of them with ``names``,
            or one dataloader config whose dataset has a ``datasets`` list (a
            ``MixedRainDataset``), tested member by member.
        evaluator: Evaluator config (a list of metric configs) shared by every set,
            or a built :class:`Evaluator` reused for each set in turn.
        names: Names of the sets when ``dataloader`` is a list.
        fp16: Run the model under autocast.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[Mapping[str, Union[DataLoader, dict]], Sequence[Union[DataLoader, dict]]],
                 evaluator: Union[Evaluator, dict, list],
                 names: Optional[Sequence[str]] = None,
                 fp16: bool = False) -> None:
        if isinstance(dataloader, Mapping) and 'dataset' in dataloader:
            names, loaders = _split_mixed(dataloader)
        elif isinstance(dataloader, Mapping):
            names, loaders = list(dataloader.keys()), list(dataloader.values())
        else:
            loaders = list(dataloader)
            if names is None or len(names) != len(loaders):
                raise ValueError(f'MultiDatasetTestLoop got {len(loaders)} dataloaders in a list and names={names}; '
                                 'give one name per dataloader (test_cfg=dict(names=[...])) or pass a '
                                 '{name: dataloader} dict')
        if not loaders:
            raise ValueError('MultiDatasetTestLoop needs at least one test dataloader, got none')
        if AVERAGE in names:
            raise ValueError(f'MultiDatasetTestLoop reserves the name {AVERAGE!r} for the mean row; rename that set')
        self._runner = runner
        self.names = list(names)
        self.dataloaders = [self._build_dataloader(loader) for loader in loaders]
        self.dataloader = self.dataloaders[0]
        self.evaluator_cfg = evaluator
        self.fp16 = fp16
        self.table = ''

    def _build_dataloader(self, loader: Union[DataLoader, dict]) -> DataLoader:
        if not isinstance(loader, dict):
            return loader
        diff_rank_seed = self.runner._randomness_cfg.get('diff_rank_seed', False)
        return self.runner.build_dataloader(loader, seed=self.runner.seed, diff_rank_seed=diff_rank_seed)

    def _evaluator_for(self, loader: DataLoader) -> Evaluator:
        evaluator = (self.evaluator_cfg if isinstance(self.evaluator_cfg, Evaluator) else
                     self.runner.build_evaluator(self.evaluator_cfg))
        evaluator.dataset_meta = getattr(loader.dataset, 'metainfo', None)
        return evaluator

    def run(self) -> dict:
        """Test every set; return ``{name}/{metric}`` and ``Average/{metric}``."""
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        self.runner.model.eval()
        metrics: dict[str, float] = {}
        per_metric: dict[str, list[float]] = {}
        for name, loader in zip(self.names, self.dataloaders):
            self.dataloader = loader
            evaluator = self._evaluator_for(loader)
            for idx, data_batch in enumerate(loader):
                self.run_iter(idx, data_batch, evaluator)
            for key, value in evaluator.evaluate(len(loader.dataset)).items():
                metrics[f'{name}/{key}'] = value
                per_metric.setdefault(key, []).append(value)
        for key, values in per_metric.items():
            if len(values) == len(self.names):
                metrics[f'{AVERAGE}/{key}'] = float(np.mean(values))
        self.table = format_table(metrics, self.names + [AVERAGE])
        print_log('Test results:\n' + self.table, logger='current', level=logging.INFO)
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Sequence[dict], evaluator: Evaluator) -> None:
        """Predict one batch and feed the outputs to ``evaluator``."""
        self.runner.call_hook('before_test_iter', batch_idx=idx, data_batch=data_batch)
        with autocast(enabled=self.fp16):
            outputs = self.runner.model.test_step(data_batch)
        evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook('after_test_iter', batch_idx=idx, data_batch=data_batch, outputs=outputs)
