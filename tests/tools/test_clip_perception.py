"""tools/clip_perception.py: per-dataset route shares sum to 100, CSV and route cache written."""
import csv
import json
import os.path as osp
import sys
import warnings

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))


def test_shares_sum_to_100_per_dataset_and_files_are_written(tmp_path):
    import clip_perception
    datasets = [osp.join(ROOT, 'configs', '_base_', 'datasets', 'synthetic.py')] * 2
    csv_path, routes_path = tmp_path / 'table.csv', tmp_path / 'routes.json'
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        rows = clip_perception.main([
            *datasets, '--split', 'val', '--prompts', 'set2',
            '--router', osp.join(ROOT, 'configs', 'clip_rpn_tiny_synthetic.py'),
            '--cfg-options', 'val_dataloader.dataset.num_samples=5', 'val_dataloader.dataset.image_size=32',
            '--csv', str(csv_path), '--save-routes', str(routes_path), '--device', 'cpu'])
    assert list(rows) == ['synthetic_val']
    for shares in rows.values():
        assert len(shares) == 3 and sum(shares) == pytest.approx(100.0)
    with open(csv_path) as file:
        table = list(csv.reader(file))
    assert table[0][1] == 'This image has very sparse raindrops' and len(table) == 2
    assert sum(float(v) for v in table[1][1:]) == pytest.approx(100.0, abs=0.02)
    saved = json.loads(routes_path.read_text())
    assert len(saved['routes']) == 5 and all(0 <= r < 3 for r in saved['routes'].values())
    counts = [list(saved['routes'].values()).count(i) for i in range(3)]
    assert [100 * c / 5 for c in counts] == pytest.approx(rows['synthetic_val'])
