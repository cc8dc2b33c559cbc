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


@pytest.mark.parametrize('table, label', [('clip_rpn_table11', 'DLS (ours)'), ('clip_rpn_table6', 'Prompt 3')])
def test_rows_equal_to_table3s_clip_rpn_row_train_the_same_model_per_column(table, label):
    # CLIP-RPN: Table 11's DLS row and Table 6's prompt-3 row print Table 3's CLIP-RPN numbers in all
    # ten cells, and Table 3 trains one model per dataset: so do these rows, on each column's data.
    from derain_toolkit.reproduce import get_budget
    from derain_toolkit.reproduce.runner import build_run_config
    spec, table3 = load_table_spec(table, repo_root=ROOT), load_table_spec('clip_rpn_table3', repo_root=ROOT)
    row = next(r for r in spec.rows if r.label == label)
    clip_rpn = next(r for r in table3.rows if r.label == 'CLIP-RPN')
    assert [(run.name, run.datasets) for run in row.runs] == [(d, (d,)) for d in spec.datasets]
    paper = get_budget('paper')
    for run, reference in zip(row.runs, clip_rpn.runs):
        ours = build_run_config(spec, row, run, paper, 'work').to_dict()
        theirs = build_run_config(table3, clip_rpn, reference, paper, 'work').to_dict()
        for key in ('model', 'train_dataloader', 'val_dataloader', 'test_dataloader', 'test_evaluator',
                    'train_cfg', 'optim_wrapper', 'param_scheduler'):
            assert ours[key] == theirs[key], (run.name, key)
    assert row.published == clip_rpn.published


def test_a_per_column_row_given_one_config_trains_on_each_columns_dataset():
    spec = load_table_spec('clip_rpn_table11', repo_root=ROOT)
    from derain_toolkit.reproduce import get_budget
    from derain_toolkit.reproduce.runner import build_run_config
    l1 = spec.rows[0]
    roots = {run.name: build_run_config(spec, l1, run, get_budget('paper'), 'w').train_dataloader.dataset
             for run in l1.runs}
    assert roots['Rain100H'].data_root == 'data/Rain100H/train' and roots['Rain100H'].name == 'Rain100H'
    assert roots['Mixed'].type == 'MixedRainDataset'
    model = build_run_config(spec, l1, l1.runs[1], get_budget('paper'), 'w').model
    assert model.losses[0].type == 'L1Loss'  # the row's own change survives the data swap


def _spec_file(tmp_path, body: str) -> str:
    path = tmp_path / 'spec.py'
    path.write_text(textwrap.dedent(f"""
        paper = 'P'
        table = 'T'
        datasets = ['A', 'B']
        metrics = ['PSNR']
        average = False
    """) + textwrap.dedent(body))
    return str(path)


def test_per_dataset_configs_need_the_per_column_protocol(tmp_path):
    tiny = os.path.join(ROOT, 'configs', 'restormer_tiny_synthetic.py')
    path = _spec_file(tmp_path, f"rows = [dict(label='r', config=dict(A={tiny!r}, B={tiny!r}))]")
    with pytest.raises(ValueError, match="set protocol = 'per_column'"):
        load_table_spec(path)


def test_a_per_column_row_with_one_config_needs_column_data_for_every_column(tmp_path):
    tiny = os.path.join(ROOT, 'configs', 'restormer_tiny_synthetic.py')
    data = os.path.join(ROOT, 'configs', '_base_', 'datasets', 'rain100l.py')
    path = _spec_file(tmp_path, f"""
        protocol = 'per_column'
        column_data = dict(A={data!r})
        rows = [dict(label='r', config={tiny!r})]
    """)
    with pytest.raises(KeyError, match=r"column_data.*\['A', 'B'\]"):
        load_table_spec(path)


def test_spec_level_overrides_reach_every_row_of_ddsa_table2():
    # The spec's test set replaces each row's Rain13K test sets, for the second row too
    # (merging pops '_delete_' from the options: each run must merge its own copy).
    from derain_toolkit.reproduce import get_budget
    from derain_toolkit.reproduce.runner import build_run_config
    spec = load_table_spec('ddsa_table2', repo_root=ROOT)
    for row in spec.rows:
        cfg = build_run_config(spec, row, row.runs[0], get_budget('paper'), 'w')
        assert cfg.test_dataloader.dataset.to_dict() == dict(
            type='PairedRainDataset', data_root='data/RealRain', layout='input_target', rain_dir='.', gt_dir='.',
            name='Real', pipeline=[dict(type='PairedToTensor')])
        assert [m.type for m in cfg.test_evaluator] == ['NIQEMetric', 'BRISQUEMetric']
        assert all(m.score_input for m in cfg.test_evaluator) and cfg.test_cfg.type == 'TestLoop'
