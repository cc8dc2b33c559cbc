"""The sota_rain200 table: published numbers in their columns, two rows at the smoke budget, and
the complexity companion that tools/reproduce.py runs after it."""
import csv
import os
import textwrap

import pytest
from mmengine.config import Config

from derain_toolkit.reproduce import get_budget, load_table_spec, reproduce, write_report

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(ROOT, 'configs', 'tables', 'sota_rain200.py')
COMPLEXITY = os.path.join(ROOT, 'configs', 'tables', 'sota_rain200_complexity.py')


def _published(spec: Config) -> dict:
    columns = [(d, m) for d in spec.datasets for m in spec.metrics]
    return {row['label']: dict(zip(columns, row['published'])) for row in spec.rows}


def test_published_numbers_sit_under_their_dataset():
    spec = Config.fromfile(SPEC)
    assert spec.datasets == ['Rain200L', 'Rain200H', 'DDN-Data', 'DID-Data', 'SPA-Data']  # FADformer Table 1
    published = _published(spec)
    assert list(published) == ['PReNet', 'MPRNet', 'Restormer', 'DRSformer', 'NeRD-Rain-S', 'NeRD-Rain',
                               'FADformer']
    # FADformer figs/result.png (DDN-Data before DID-Data) and NeRD-Rain figs/table.png (DID-Data first).
    assert published['FADformer'][('DDN-Data', 'PSNR')] == 34.42
    assert published['FADformer'][('DID-Data', 'SSIM')] == 0.9657
    assert published['PReNet'][('DDN-Data', 'SSIM')] == 0.9459 and published['PReNet'][('DID-Data', 'PSNR')] == 33.17
    assert published['NeRD-Rain'][('DID-Data', 'PSNR')] == 35.53 and published['NeRD-Rain'][('DDN-Data', 'PSNR')] == 34.45
    assert published['NeRD-Rain-S'][('SPA-Data', 'SSIM')] == 0.9936
    assert published['DRSformer'][('Rain200H', 'SSIM')] == 0.9326
    for row in spec.rows:
        assert row['config']['DID-Data'].endswith('_did.py') and row['config']['SPA-Data'].endswith('_spa.py')


def test_the_whole_spec_and_its_companion_load():
    configs = [path for row in Config.fromfile(SPEC).rows for path in row['config'].values()]
    configs += [row['config'] for row in Config.fromfile(COMPLEXITY).rows]
    absent = sorted({path for path in configs if not os.path.isfile(os.path.join(ROOT, path))})
    if absent:  # the FADformer / NeRD-Rain configs come from their own branches
        pytest.skip(f'configs not merged yet: {absent}')
    spec = load_table_spec(SPEC)
    assert spec.companions == ('sota_rain200_complexity',) and len(spec.rows) == 7
    assert all(len(row.runs) == 5 for row in spec.rows)
    assert load_table_spec(COMPLEXITY).kind == 'complexity'


def test_two_rows_run_at_the_smoke_budget(tmp_path):
    real = Config.fromfile(SPEC)
    columns = ['Rain200L']  # DRSformer without MEFC there
    published = _published(real)
    rows = [dict(label=row['label'], config={d: row['config'][d] for d in columns},
                 published=[published[row['label']][(d, m)] for d in columns for m in real.metrics])
            for row in real.rows if row['label'] in ('PReNet', 'DRSformer')]
    path = tmp_path / 'sota_two.py'
    path.write_text(textwrap.dedent(f"""
        _base_ = [{SPEC!r}]
        datasets = {columns!r}
        companions = []
        rows = {rows!r}
    """))
    spec = load_table_spec(str(path), repo_root=ROOT)
    budget = get_budget('smoke')
    outcomes = reproduce(spec, budget, str(tmp_path / 'work'), progress=False)
    assert not any(o.error for o in outcomes), [o.error for o in outcomes]
    paths = write_report(str(tmp_path / 'work'), spec, budget, outcomes)
    with open(paths['csv']) as file:
        table = {line['label']: line for line in csv.DictReader(file)}
    for label in ('PReNet', 'DRSformer'):
        assert all(table[label][f'{d} {m} ours'] != '' for d in columns for m in spec.metrics)
    assert float(table['PReNet']['Rain200L PSNR paper']) == 37.80
    markdown = open(paths['md']).read()
    assert 'synthetic data' in markdown and 'not comparable to the paper' in markdown


def test_reproduce_tool_runs_the_companions(tmp_path, load_tool):
    tiny = os.path.join(ROOT, 'configs', 'prenet_tiny_synthetic.py')
    companion = tmp_path / 'tiny_overhead.py'
    companion.write_text(textwrap.dedent(f"""
        paper = 'Test'
        table = 'overhead'
        kind = 'complexity'
        shape = (1, 3, 16, 16)
        datasets = ['16x16']
        metrics = ['Param (M)']
        rows = [dict(label='PReNet', config={tiny!r})]
    """))
    main = tmp_path / 'tiny_main.py'
    main.write_text(companion.read_text().replace("table = 'overhead'", "table = 'main'")
                    + f'companions = [{str(companion)!r}]\n')
    assert load_tool('reproduce').main([str(main), '--work-dir', str(tmp_path / 'work'), '--device', 'cpu']) == 0
    assert os.path.isfile(tmp_path / 'work' / 'table.md')
    assert os.path.isfile(tmp_path / 'work' / 'tiny_overhead' / 'table.md')
    (tmp_path / 'absent.py').write_text(main.read_text().replace(str(companion), 'no_such_spec'))
    with pytest.raises(FileNotFoundError, match="No table spec 'no_such_spec'"):
        load_table_spec(str(tmp_path / 'absent.py'))
