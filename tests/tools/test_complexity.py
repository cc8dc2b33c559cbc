"""tools/complexity.py: parameter counts (all, trainable, frozen CLIP) agree with the model; MACs by convention."""
import warnings
from pathlib import Path

import pytest
import torch

from derain_toolkit import build_model
from derain_toolkit.utils.complexity import count_macs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def one_cpu_thread():
    """Tiny models on a shared 2-core CPU: one thread avoids OpenMP oversubscription stalls."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_parameter_counts_agree_with_the_model_and_frozen_clip_is_split_out(load_tool, capsys):
    complexity = load_tool('complexity')
    config = str(ROOT / 'configs' / 'clip_rpn_tiny_synthetic.py')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        row, = complexity.main([config, '--shape', '1', '3', '32', '32', '--repeats', '1', '--device', 'cpu'])
        model = build_model(config)
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen_clip = sum(p.numel() for p in model.backbone.router.clip.parameters())
    assert row['Param (M)'] * 1e6 == pytest.approx(total, abs=0.5)
    assert row['Trainable (M)'] * 1e6 == pytest.approx(trainable, abs=0.5)
    assert row['Frozen (M)'] * 1e6 == pytest.approx(frozen_clip, abs=0.5)  # the frozen part is CLIP
    assert row['on'] == 'cpu'  # routing needs real values: counted on a CPU tensor
    assert 0 < row['MACs (G)'] < row['MACs total (G)'] and row['Time (s)'] > 0
    assert row['MACs (G)'] < row['MACs all routes (G)']  # two routes counted
    assert '| clip_rpn_tiny_synthetic |' in capsys.readouterr().out


def test_macs_of_a_plain_model_are_counted_on_meta_and_match_a_real_run(load_tool):
    complexity = load_tool('complexity')
    config = str(ROOT / 'configs' / 'restormer_tiny_synthetic.py')
    row, = complexity.main([config, '--shape', '1', '3', '16', '16', '--repeats', '0', '--device', 'cpu'])
    model = build_model(config).eval()
    real = count_macs(model, torch.rand(1, 3, 16, 16), mode='tensor')
    assert row['on'] == 'meta' and row['Time (s)'] is None
    assert row['MACs (G)'] * 1e9 == pytest.approx(real['conv'] + real['linear'])
    assert row['MACs all routes (G)'] == row['MACs (G)']  # not routed
    assert row['Param (M)'] * 1e6 == pytest.approx(sum(p.numel() for p in model.parameters()), abs=0.5)


def test_every_column_is_explained_in_the_help_and_under_the_table(load_tool, capsys):
    complexity = load_tool('complexity')
    assert list(complexity.LEGEND) == [c for c in complexity.COLUMNS if c != 'Model']
    with pytest.raises(SystemExit):
        complexity.parse_args(['--help'])
    help_text = capsys.readouterr().out
    table = complexity.format_table([dict.fromkeys(complexity.COLUMNS, 1.0)], (1, 3, 8, 8), 'cpu')
    for text in (help_text, table):
        for column in complexity.COLUMNS[1:]:
            assert f'  {column}: ' in text, column
    assert "  on: where the MACs were counted: 'meta' (shapes only, no compute) or 'cpu'" in table


def test_fadformer_counts_all_parameters_and_those_that_run(load_tool):
    """FADformer builds a Freq_Fusion.conv_mid in every block and never calls it: 'Param (M)' counts it,
    'Param run (M)' does not (the full-size 7,435,737 / 6,958,041: tests/models/backbones/test_fadformer.py)."""
    config = str(ROOT / 'configs' / 'fadformer_tiny_synthetic.py')
    row, = load_tool('complexity').main([config, '--shape', '1', '3', '16', '16', '--repeats', '0', '--device', 'cpu'])
    model = build_model(config)
    total = sum(p.numel() for p in model.parameters())
    never_called = sum(p.numel() for name, p in model.named_parameters() if '.conv_mid.' in name)
    assert never_called > 0
    assert round(row['Param (M)'] * 1e6) == total
    assert round(row['Param run (M)'] * 1e6) == total - never_called
