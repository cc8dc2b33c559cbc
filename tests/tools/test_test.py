"""tools/test.py: derained PNGs and a metrics table from a checkpoint (tiny synthetic config)."""
import csv
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import save_checkpoint

from derain_toolkit import build_model, load_config
from derain_toolkit.datasets.synthetic_rain_dataset import SyntheticRainDataset
from derain_toolkit.evaluation.functional import psnr
from derain_toolkit.utils.image_io import read_image

REPO = Path(__file__).resolve().parents[2]
TINY = str(REPO / 'configs' / 'restormer_tiny_synthetic.py')


def test_writes_images_and_metrics_tables(load_tool, one_thread, tmp_path):
    torch.manual_seed(0)
    model = build_model(load_config(TINY))
    save_checkpoint(dict(state_dict=model.state_dict(), meta=dict(iter=0)), str(tmp_path / 'model.pth'))
    out = tmp_path / 'out'
    metrics = load_tool('test').main([TINY, str(tmp_path / 'model.pth'), '--out', str(out), '--device', 'cpu',
                                      '--cfg-options', 'test_dataloader.dataset.num_samples=2',
                                      'test_dataloader.dataset.image_size=32'])

    images = sorted((out / 'images' / 'synthetic_test').glob('*.png'))
    assert [p.name for p in images] == ['synthetic-0.png', 'synthetic-1.png']
    dataset = SyntheticRainDataset(num_samples=2, image_size=32, seed=2)
    scores = []
    for path, index in zip(images, range(2)):
        saved = read_image(path)
        gt = dataset[index]['data_samples']['gt'].permute(1, 2, 0).numpy()
        assert saved.dtype == np.uint8 and saved.shape == (32, 32, 3)
        scores.append(psnr(saved, gt))
    assert metrics['synthetic_test/PSNR'] == np.mean(scores)  # the saved PNGs are what was scored
    input_scores = [psnr(dataset[i]['inputs'].permute(1, 2, 0).numpy(),
                         dataset[i]['data_samples']['gt'].permute(1, 2, 0).numpy()) for i in range(2)]
    assert metrics['synthetic_test/PSNR_input'] == pytest.approx(np.mean(input_scores))  # the rainy baseline

    with open(out / 'metrics.csv') as handle:
        rows = list(csv.DictReader(handle))
    assert [row['dataset'] for row in rows] == ['synthetic_test']
    assert float(rows[0]['PSNR']) == metrics['synthetic_test/PSNR']
    assert float(rows[0]['SSIM']) == metrics['synthetic_test/SSIM']
    table = (out / 'metrics.md').read_text()
    assert table.startswith('| Dataset | PSNR | PSNR_input | SSIM | SSIM_input |') and f"{metrics['synthetic_test/PSNR']:.4f}" in table


def test_several_test_sets_give_one_row_each(load_tool, tmp_path):
    metrics = {'Test100/PSNR': 30.0, 'Test100/SSIM': 0.9, 'Rain100H/PSNR': 28.0, 'Rain100H/SSIM': 0.8,
               'Average/PSNR': 29.0, 'Average/SSIM': 0.85}
    csv_path, md_path = load_tool('test').write_metrics(metrics, ['Test100', 'Rain100H', 'Average'], str(tmp_path))
    with open(csv_path) as handle:
        rows = list(csv.reader(handle))
    assert rows == [['dataset', 'PSNR', 'SSIM'], ['Test100', '30.0', '0.9'], ['Rain100H', '28.0', '0.8'],
                    ['Average', '29.0', '0.85']]
    assert '| Rain100H | 28.0000 | 0.8000 |' in Path(md_path).read_text()


def test_each_set_is_one_row_even_with_input_scores(load_tool):
    from types import SimpleNamespace
    metrics = {f'{name}/{metric}': 1.0 for name in ('Test100', 'Rain100H', 'Average')
               for metric in ('PSNR', 'PSNR_input', 'SSIM', 'SSIM_input')}
    runner = SimpleNamespace(test_loop=SimpleNamespace(names=['Test100', 'Rain100H']))
    _, names = load_tool('test')._metrics_by_set(metrics, runner)
    assert names == ['Test100', 'Rain100H', 'Average']


OFFICIAL = REPO / 'tests' / 'fixtures' / 'official'
# Toolkit config of the tiny official Restormer's shape (fixtures README, section restormer).
TINY_OFFICIAL_SHAPE = f"""_base_ = [{TINY!r}]
model = dict(backbone=dict(dim=4, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1, heads=(1, 2, 4, 8),
                           ffn_expansion_factor=2.66))
"""


def test_official_checkpoint_through_load_from_gives_official_outputs(load_tool, one_thread, tmp_path):
    """tools/test.py CONFIG deraining.pth: the official {'params': ...} file is loaded as load_from."""
    from mmengine.runner import Runner

    config = tmp_path / 'restormer_official_tiny.py'
    config.write_text(TINY_OFFICIAL_SHAPE)
    tool = load_tool('test')
    args = tool.parse_args([str(config), str(OFFICIAL / 'restormer_tiny.pth'), '--out', str(tmp_path / 'out'),
                            '--device', 'cpu', '--cfg-options', 'test_dataloader.dataset.num_samples=1',
                            'test_dataloader.dataset.image_size=16'])
    runner = Runner.from_cfg(tool.build_test_config(args))
    runner.test()
    io = torch.load(OFFICIAL / 'restormer_tiny_io.pt', weights_only=True)
    with torch.no_grad():
        out = runner.model.backbone(io['A/x'])
    torch.testing.assert_close(out, io['A/out'], rtol=0, atol=2e-6)


def test_checkpoint_that_does_not_fit_fails_instead_of_loading_nothing(load_tool, tmp_path):
    """mmengine alone would load the official file non-strictly into the 3-level tiny config (nothing loaded)."""
    from derain_toolkit.checkpoints.import_checkpoint import CheckpointMismatchError

    with pytest.raises(CheckpointMismatchError, match=r"restormer_tiny\.pth.*does not fit the backbone"):
        load_tool('test').main([TINY, str(OFFICIAL / 'restormer_tiny.pth'), '--out', str(tmp_path / 'out'),
                                '--device', 'cpu', '--cfg-options', 'test_dataloader.dataset.num_samples=1',
                                'test_dataloader.dataset.image_size=16'])


SMALL_TEST = ['--device', 'cpu', '--cfg-options', 'test_dataloader.dataset.num_samples=2',
              'test_dataloader.dataset.image_size=16']


def test_non_finite_output_stops_the_test_naming_image_and_checkpoint(one_thread, run_as_script, tmp_path):
    torch.manual_seed(0)
    state = build_model(load_config(TINY)).state_dict()
    state['backbone.output.weight'][0, 0, 0, 0] = float('nan')
    save_checkpoint(dict(state_dict=state, meta=dict(iter=0)), str(tmp_path / 'diverged.pth'))
    out = tmp_path / 'out'
    message = run_as_script('test', [TINY, str(tmp_path / 'diverged.pth'), '--out', str(out), *SMALL_TEST])
    assert message.startswith('test.py: ') and '\n' not in message
    assert 'synthetic-0' in message and str(tmp_path / 'diverged.pth') in message and 'not finite' in message
    assert not list(out.rglob('*.png')) and not (out / 'metrics.csv').exists()  # no black image, no PSNR 6.52


def test_corrupt_checkpoint_is_one_line_naming_the_file(run_as_script, tmp_path):
    torch.manual_seed(0)
    save_checkpoint(dict(state_dict=build_model(load_config(TINY)).state_dict(), meta=dict(iter=0)),
                    str(tmp_path / 'model.pth'))
    data = (tmp_path / 'model.pth').read_bytes()
    (tmp_path / 'model.pth').write_bytes(data[:len(data) // 2])
    message = run_as_script('test', [TINY, str(tmp_path / 'model.pth'), '--out', str(tmp_path / 'out'), *SMALL_TEST])
    assert message.startswith(f"test.py: Checkpoint '{tmp_path / 'model.pth'}' cannot be read") and '\n' not in message
    assert 'weights_only' not in message
