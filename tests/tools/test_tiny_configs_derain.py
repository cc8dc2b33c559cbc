"""Every tiny demo config, trained at its default budget, derains its synthetic test set (issue 16).

Train with ``tools/train.py`` and test with ``tools/test.py`` exactly as ``scripts/demo.sh`` does;
every PSNR the test set reports (RGB and Y where a config scores both) must beat the rainy
input's by a margin. The configs are found by name, so a new ``*_tiny_synthetic.py`` is
tested too. The budgets, their margins at two seeds and what they were chosen from:
docs/benchmarks.md, "Tiny configs" (``benchmarks/tiny_configs.py`` measures them).
"""
from pathlib import Path

import pytest

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
MARGIN_DB = 0.1
# Not pinned, with the measured reason (docs/benchmarks.md, "Tiny configs").
NOT_YET = {
    'irsde_daclip_tiny_synthetic.py': 'the pinned tiny IR-SDE plus random DA-CLIP guidance: +0.34 / +0.25 dB (RGB / Y) '
                                      'at seed 0 but +0.06 / +0.03 at seed 1, and 110 s more of the suite',
}
TINY_CONFIGS = [pytest.param(path.name, marks=pytest.mark.skip(reason=NOT_YET[path.name]) if path.name in NOT_YET else ())
                for path in sorted(CONFIGS.glob('*_tiny_synthetic.py'))]


@pytest.mark.long
@pytest.mark.parametrize('name', TINY_CONFIGS)
def test_tiny_config_derains_at_its_default_budget(name, load_tool, one_thread, tmp_path):
    config = str(CONFIGS / name)
    load_tool('train').main([config, '--device', 'cpu', '--work-dir', str(tmp_path),
                             '--cfg-options', 'log_level=WARNING'])
    checkpoint = str(tmp_path / (tmp_path / 'last_checkpoint').read_text().strip())  # relative to the work dir
    metrics = load_tool('test').main([config, checkpoint, '--device', 'cpu', '--out', str(tmp_path / 'test')])
    pairs = {key: (value, metrics[f'{key}_input']) for key, value in metrics.items() if key.endswith('PSNR')}
    assert pairs, f'{name}: no PSNR in {sorted(metrics)}'
    for key, (psnr, psnr_input) in pairs.items():
        assert psnr > psnr_input + MARGIN_DB, f'{name}: {key} {psnr:.2f} dB vs rainy input {psnr_input:.2f} dB'
