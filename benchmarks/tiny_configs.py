"""Train and test every tiny demo config at its default budget: seconds, and PSNR against the rainy input.

Usage::

    python benchmarks/tiny_configs.py [--configs restormer_tiny_synthetic.py ...] [--seeds 0 1 2]
        [--threads 1] [--out CSV]

Each run is ``tools/train.py CONFIG --cfg-options randomness.seed=S`` and ``tools/test.py`` on
its last checkpoint, in this process, exactly as ``tests/tools/test_tiny_configs_derain.py``
runs them (that test uses seed 0, the configs' own). Other seeds show how far the margin over
the input moves when the training's random numbers change, as they do, through float
rounding, on another CPU. Columns: the config's iterations, the seed, seconds of training
(with the start-up of the Runner) and of testing, then per PSNR the test set reports (Y, or
RGB and Y): the rainy input's, the output's and the gain, in dB.
"""
import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import torch
from mmengine.config import Config

from _common import ROOT, markdown_table, write_csv

CONFIGS = ROOT / 'configs'


def load_tool(name: str) -> ModuleType:
    """``tools/<name>.py`` as a module (its ``main(argv)`` runs in this process)."""
    sys.path.insert(0, str(ROOT / 'tools'))
    spec = importlib.util.spec_from_file_location(f'tool_{name}', ROOT / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(config: Path, seed: int) -> tuple[float, float, dict[str, float]]:
    """Train and test ``config`` with ``seed``: (train seconds, test seconds, the test metrics)."""
    with tempfile.TemporaryDirectory(prefix='tiny_') as work_dir:
        start = time.perf_counter()
        load_tool('train').main([str(config), '--device', 'cpu', '--work-dir', work_dir,
                                 '--cfg-options', 'log_level=WARNING', f'randomness.seed={seed}'])
        trained = time.perf_counter()
        checkpoint = str(Path(work_dir) / (Path(work_dir) / 'last_checkpoint').read_text().strip())
        metrics = load_tool('test').main([str(config), checkpoint, '--device', 'cpu', '--out', f'{work_dir}/test'])
        return trained - start, time.perf_counter() - trained, metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--configs', nargs='+', default=sorted(p.name for p in CONFIGS.glob('*_tiny_synthetic.py')))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
    parser.add_argument('--threads', type=int, default=1, help='torch threads (the test uses 1)')
    parser.add_argument('--out', help='also write the table as CSV here')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    headers = ['config', 'iterations', 'seed', 'train s', 'test s', 'PSNR', 'input dB', 'output dB', 'gain dB']
    rows = []
    for name in args.configs:
        iterations = Config.fromfile(str(CONFIGS / name)).train_cfg.max_iters
        for seed in args.seeds:
            train_s, test_s, metrics = run(CONFIGS / name, seed)
            for key, value in sorted(metrics.items()):
                if key.endswith('PSNR'):
                    rows.append([name, iterations, seed, round(train_s, 1), round(test_s, 1), key.split('/', 1)[-1],
                                 round(metrics[f'{key}_input'], 2), round(value, 2),
                                 round(value - metrics[f'{key}_input'], 2)])
                    print(' | '.join(str(cell) for cell in rows[-1]), flush=True)
    print(f'\nTiny configs on synthetic rain (CPU, {args.threads} thread(s); not a paper result)\n')
    print(markdown_table(headers, rows))
    write_csv(args.out, headers, rows)


if __name__ == '__main__':
    main()
