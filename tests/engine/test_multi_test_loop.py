"""MultiDatasetTestLoop: per-set metrics, their average and the table, through a real Runner."""
import numpy as np
import pytest
import torch
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from derain_toolkit import build_model
from derain_toolkit.engine.multi_test_loop import MultiDatasetTestLoop, format_table
from derain_toolkit.evaluation.functional import psnr

TINY_MODEL = dict(type='Derainer',
                  backbone=dict(type='RestormerUNet', dim=8, num_blocks=(1, 1), heads=(1, 2), num_refinement_blocks=1,
                                attn=dict(type='DDSA'), ffn=dict(type='SEFN')))


def _pairs(seed: int, count: int, noise: float) -> list[dict]:
    generator = torch.Generator().manual_seed(seed)
    items = []
    for i in range(count):
        gt = torch.rand(3, 12, 12, generator=generator)
        rain = (gt + noise * torch.rand(3, 12, 12, generator=generator)).clamp(0, 1)
        items.append(dict(inputs=rain, data_samples=dict(gt=gt, key=f'{seed}_{i}')))
    return items


def _collate(batch: list[dict]) -> dict:
    """The batch layout DerainDataPreprocessor reads: lists of inputs and of sample dicts."""
    return dict(inputs=[item['inputs'] for item in batch], data_samples=[item['data_samples'] for item in batch])


def _loader(items: list[dict]) -> DataLoader:
    return DataLoader(items, batch_size=1, collate_fn=_collate)


def _reference_psnr(model, items: list[dict]) -> float:
    scores = []
    with torch.no_grad():
        for item in items:
            pred = model(item['inputs'][None], mode='tensor')[0].clamp(0, 1)
            scores.append(psnr(pred.permute(1, 2, 0).numpy(), item['data_samples']['gt'].permute(1, 2, 0).numpy()))
    return float(np.mean(scores))


def test_runs_every_set_and_averages(tmp_path):
    torch.manual_seed(0)
    model = build_model(dict(model=TINY_MODEL))
    sets = dict(Light=_pairs(1, 2, 0.1), Heavy=_pairs(2, 3, 0.6))
    runner = Runner(model=model, work_dir=str(tmp_path), default_scope='derain_toolkit',
                    test_dataloader={name: _loader(items) for name, items in sets.items()},
                    test_evaluator=[dict(type='PSNRMetric'), dict(type='SSIMMetric')],
                    test_cfg=dict(type='MultiDatasetTestLoop'))
    metrics = runner.test()
    assert isinstance(runner.test_loop, MultiDatasetTestLoop)
    assert set(metrics) == {f'{name}/{metric}' for name in ('Light', 'Heavy', 'Average') for metric in ('PSNR', 'SSIM')}
    for name, items in sets.items():
        assert metrics[f'{name}/PSNR'] == pytest.approx(_reference_psnr(model, items), abs=1e-6)
    assert metrics['Light/PSNR'] > metrics['Heavy/PSNR']
    assert metrics['Average/SSIM'] == pytest.approx((metrics['Light/SSIM'] + metrics['Heavy/SSIM']) / 2)
    rows = runner.test_loop.table.splitlines()
    assert rows[0] == '| Dataset | PSNR | SSIM |'
    assert [row.split('|')[1].strip() for row in rows[2:]] == ['Light', 'Heavy', 'Average']


def test_list_of_dataloaders_needs_names():
    with pytest.raises(ValueError, match='one name per dataloader'):
        MultiDatasetTestLoop(runner=None, dataloader=[_loader(_pairs(0, 1, 0.1))], evaluator=[])


def test_single_dataloader_config_is_rejected():
    with pytest.raises(ValueError, match='not a mixture'):
        MultiDatasetTestLoop(runner=None, dataloader=dict(batch_size=1, dataset=dict(type='X')), evaluator=[])


def test_mixed_dataset_config_is_split_into_named_sets(tmp_path):
    """The rain13k.py layout: one loader over a MixedRainDataset becomes one loader per member."""
    torch.manual_seed(0)
    members = [dict(type='SyntheticRainDataset', num_samples=2, image_size=16, patterns=('light', ), seed=seed,
                    name=name, pipeline=[dict(type='PairedToTensor')]) for seed, name in ((3, 'SetA'), (4, 'SetB'))]
    loader = dict(batch_size=1, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                  collate_fn=_collate, dataset=dict(type='MixedRainDataset', datasets=members))
    runner = Runner(model=build_model(dict(model=TINY_MODEL)), work_dir=str(tmp_path), default_scope='derain_toolkit',
                    test_dataloader=loader, test_evaluator=[dict(type='PSNRMetric')],
                    test_cfg=dict(type='MultiDatasetTestLoop'))
    metrics = runner.test()
    assert runner.test_loop.names == ['SetA', 'SetB']
    assert [len(dl.dataset) for dl in runner.test_loop.dataloaders] == [2, 2]
    assert set(metrics) == {'SetA/PSNR', 'SetB/PSNR', 'Average/PSNR'}


def test_format_table_marks_missing_cells():
    table = format_table({'A/PSNR': 30.0, 'B/PSNR': 20.0, 'B/SSIM': 0.5}, ['A', 'B'])
    assert table.splitlines()[2] == '| A | 30.0000 | - |'
    assert table.splitlines()[3] == '| B | 20.0000 | 0.5000 |'
