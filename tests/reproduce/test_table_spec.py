"""Table specs: every spec in configs/tables loads; malformed specs fail with the row named; cells are found."""
import glob
import os
import textwrap

import pytest

from derain_toolkit.reproduce.runner import extract_cells
from derain_toolkit.reproduce.table_spec import Run, load_table_spec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPECS = sorted(glob.glob(os.path.join(ROOT, 'configs', 'tables', '*.py')))


@pytest.mark.parametrize('path', SPECS, ids=[os.path.basename(p) for p in SPECS])
def test_every_table_spec_loads_and_its_configs_exist(path):
    spec = load_table_spec(path)
    assert spec.rows
    for row in spec.rows:
        assert len(row.published) == len(spec.columns)
        for run in row.runs:
            assert os.path.isfile(run.config)


def test_specs_are_found_by_name():
    assert load_table_spec('clip_rpn_table10', repo_root=ROOT).table == 'Table 10'


def test_wrong_number_of_published_numbers_names_the_row(tmp_path):
    spec = tmp_path / 'bad.py'
    spec.write_text(textwrap.dedent(f"""
        paper = 'P'
        table = 'T'
        datasets = ['A', 'B']
        metrics = ['PSNR']
        average = True
        rows = [dict(label='only', config={os.path.join(ROOT, 'configs', 'restormer_tiny_synthetic.py')!r},
                     published=[1.0, 2.0])]
    """))
    with pytest.raises(ValueError, match=r"row 1 \('only'\).*expected 3 published"):
        load_table_spec(str(spec))


class _Spec:
    metrics = ('PSNR', 'SSIM')

    @staticmethod
    def metric_key(metric):
        return {'PSNR': 'Y/PSNR'}.get(metric, metric)


def test_cells_come_from_named_sets_then_mixed_sources_then_the_plain_key():
    metrics = {'Rain100L/Y/PSNR': 30.0, 'Rain100L/SSIM': 0.9,
               'Y/PSNR_Rain100H': 25.0, 'SSIM_Rain100H': 0.8, 'Y/PSNR': 27.0, 'SSIM': 0.85}
    run = Run('all', 'cfg.py', ('Rain100L', 'Rain100H', 'Mixed'), 'Mixed')
    assert extract_cells(_Spec, run, metrics) == ({
        'Rain100L': {'PSNR': 30.0, 'SSIM': 0.9},
        'Rain100H': {'PSNR': 25.0, 'SSIM': 0.8},
        'Mixed': {'PSNR': 27.0, 'SSIM': 0.85}}, [])


def test_a_metric_the_run_did_not_report_leaves_its_cells_missing():
    run = Run('all', 'cfg.py', ('A', 'B'), 'A')
    cells, missing = extract_cells(_Spec, run, {'A/Y/PSNR': 30.0, 'B/Y/PSNR': 20.0})
    assert cells == {'A': {'PSNR': 30.0}, 'B': {'PSNR': 20.0}} and missing == ['A SSIM', 'B SSIM']


def test_two_datasets_cannot_share_the_plain_key():
    run = Run('all', 'cfg.py', ('A', 'B'), 'A')
    with pytest.raises(KeyError, match=r"no test metric for 'PSNR' on \['A', 'B'\]"):
        extract_cells(_Spec, run, {'Y/PSNR': 1.0, 'SSIM': 1.0})
