"""Reproducing a table: two tiny rows train and test, a killed run resumes, both files are complete."""
import csv
import os
import textwrap

import numpy as np
import pytest

from derain_toolkit.reproduce import (
    get_budget,
    load_table_spec,
    reproduce,
    write_report,
)
from derain_toolkit.reproduce.report import DASH
from derain_toolkit.reproduce.runner import RESULTS_FILE, run_dir, train_and_test

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(ROOT, 'configs', 'restormer_tiny_synthetic.py')


def _write_spec(tmp_path) -> str:
    for name, loss in (('row_l1.py', 'L1Loss'), ('row_l2.py', 'L2Loss')):
        (tmp_path / name).write_text(textwrap.dedent(f"""
            _base_ = [{TINY!r}]
            model = dict(losses=[dict(type={loss!r}, loss_weight=1.0)])
        """))
    spec = tmp_path / 'two_rows.py'
    spec.write_text(textwrap.dedent(f"""
        paper = 'Test'
        table = 'Table X'
        caption = 'two tiny rows'
        datasets = ['Rain100L', 'Rain100H']
        metrics = ['PSNR', 'SSIM']
        average = True
        rows = [
            dict(label='l1', config={str(tmp_path / 'row_l1.py')!r},
                 published=[36.1, 0.92, 29.6, 0.84, 32.85, 0.88]),
            dict(label='l2', config={str(tmp_path / 'row_l2.py')!r}, published=None),
        ]
    """))
    return str(spec)


def test_two_rows_run_resume_after_a_kill_and_fill_every_cell(tmp_path):
    spec = load_table_spec(_write_spec(tmp_path))
    budget = get_budget('smoke')
    work_dir = str(tmp_path / 'work')
    trained = []

    def killed_at_row_2(cfg):
        if 'row02' in cfg.work_dir:
            raise KeyboardInterrupt('killed')
        trained.append(cfg.work_dir)
        return train_and_test(cfg)

    with pytest.raises(KeyboardInterrupt):
        reproduce(spec, budget, work_dir, progress=False, train_fn=killed_at_row_2)
    first = os.path.join(run_dir(work_dir, spec.rows[0], spec.rows[0].runs[0]), RESULTS_FILE)
    assert len(trained) == 1 and os.path.isfile(first)
    first_mtime = os.stat(first).st_mtime_ns

    def counting(cfg):
        trained.append(cfg.work_dir)
        return train_and_test(cfg)

    outcomes = reproduce(spec, budget, work_dir, progress=False, train_fn=counting)
    assert len(trained) == 2 and 'row02' in trained[-1]  # row 1 was not trained again
    assert os.stat(first).st_mtime_ns == first_mtime
    assert [o.skipped for o in outcomes] == [True, False] and not any(o.error for o in outcomes)

    paths = write_report(work_dir, spec, budget, outcomes)
    assert all(os.path.getsize(p) > 0 for p in paths.values())
    with open(paths['csv']) as file:
        table = list(csv.DictReader(file))
    assert [line['label'] for line in table] == ['Rainy input', 'l1', 'l2']  # the reference row first
    table = table[1:]
    for line in table:
        ours = {(d, m): line[f'{d} {m} ours'] for d, m in spec.columns}
        assert all(value != '' for value in ours.values())  # every cell measured
        for metric in spec.metrics:
            mean = np.mean([float(ours[(d, metric)]) for d in spec.datasets])
            assert float(ours[('Average', metric)]) == pytest.approx(mean, abs=1e-5)
    assert float(table[0]['Rain100L PSNR diff']) == pytest.approx(float(table[0]['Rain100L PSNR ours']) - 36.1,
                                                                  abs=1e-5)
    assert table[1]['Rain100L PSNR paper'] == ''
    markdown = open(paths['md']).read()
    assert 'budget: smoke' in markdown and 'not comparable to the paper' in markdown
    row_lines = [line for line in markdown.splitlines() if line.startswith('| l1') or line.startswith('| l2')]
    assert len(row_lines) == 2
    for line in row_lines:
        cells = line.strip('|').split('|')[1:-1]
        assert all(not cell.strip().startswith(DASH) for cell in cells)


def test_per_column_runs_record_validation_curves_and_the_rainy_input_row(tmp_path):
    # One row trained once per column (two synthetic "datasets"), validating 2 times per run.
    data = os.path.join(ROOT, 'configs', '_base_', 'datasets', 'synthetic.py')
    spec_path = tmp_path / 'per_column.py'
    spec_path.write_text(textwrap.dedent(f"""
        paper = 'Test'
        table = 'Table Y'
        datasets = ['Rain100L', 'Rain100H']
        metrics = ['PSNR', 'SSIM']
        protocol = 'per_column'
        column_data = dict(Rain100L={data!r}, Rain100H={data!r})
        validation_curves = dict(dataset='Rain100H', points=2, title='Fig. Y')
        input_row = dict(label='Rainy', published=[20.0, None, None, None])
        rows = [dict(label='tiny', config={TINY!r})]
    """))
    spec = load_table_spec(str(spec_path))
    budget = get_budget('smoke')
    trained = []

    def counting(cfg):
        trained.append(cfg.train_dataloader.dataset.name)
        return train_and_test(cfg)

    outcomes = reproduce(spec, budget, str(tmp_path / 'work'), progress=False, train_fn=counting)
    assert trained == ['Rain100L', 'Rain100H'] and not any(o.error for o in outcomes)
    assert [list(o.cells) for o in outcomes] == [['Rain100L'], ['Rain100H']]
    for outcome in outcomes:  # validated at iterations 5 and 10 of the smoke budget's 10
        assert [point['step'] for point in outcome.validation] == [5, 10]
        assert all(np.isfinite(point['PSNR']) for point in outcome.validation)

    # The rainy-input row is the PSNR of the synthetic test inputs against their clean images.
    from derain_toolkit.datasets.synthetic_rain_dataset import SyntheticRainDataset
    from derain_toolkit.evaluation import psnr
    from derain_toolkit.reproduce.budgets import synthetic_loader, synthetic_test_seed
    loader = synthetic_loader('Rain100H', budget, synthetic_test_seed('Rain100H'), train=False)
    images = SyntheticRainDataset(**{k: v for k, v in loader['dataset'].items() if k not in ('type', 'pipeline')})
    expected = np.mean([psnr(images.render(i)['rain'], images.render(i)['gt']) for i in range(len(images))])
    assert outcomes[1].input_cells['Rain100H']['PSNR'] == pytest.approx(expected, abs=1e-6)

    paths = write_report(str(tmp_path / 'work'), spec, budget, outcomes)
    assert os.path.getsize(paths['curves']) > 0
    with open(paths['csv']) as file:
        table = list(csv.DictReader(file))
    assert [line['label'] for line in table] == ['Rainy', 'tiny']
    assert float(table[0]['Rain100H PSNR ours']) == pytest.approx(expected, abs=1e-5)
    assert float(table[0]['Rain100L PSNR diff']) == pytest.approx(float(table[0]['Rain100L PSNR ours']) - 20.0,
                                                                  abs=1e-5)
