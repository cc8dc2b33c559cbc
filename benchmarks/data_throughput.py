"""Synthetic-data samples per second against training steps per second, for the tiny configs.

Usage::

    python benchmarks/data_throughput.py [--configs ...] [--samples 32] [--steps 5] [--out CSV]

For each config: the training dataset of the config renders ``--samples`` items in this
process (``num_workers=0``: one core's rate) after one warm-up item, then the model trains ``--steps`` steps
(after one warm-up step) on batches of the config's size through ``Derainer.train_step``
with AdamW. ``data / train`` is how many times faster one core renders samples than the
model consumes them: above 1, one data worker keeps up.
"""
import argparse
import time

import torch
from _common import ROOT, markdown_table, write_csv
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope

from derain_toolkit import build_model, load_config
from derain_toolkit.registry import DATASETS, SCOPE

TINY_CONFIGS = ['restormer_tiny_synthetic.py', 'clip_rpn_tiny_synthetic.py', 'ddsa_tiny_synthetic.py',
                'irsde_tiny_synthetic.py']


def measure(config: str, samples: int, steps: int) -> list:
    """``[data samples/s, train steps/s, train samples/s, data/train]`` for one config."""
    cfg = load_config(config)
    init_default_scope(cfg.get('default_scope', SCOPE))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    dataset[0]  # warm-up: loads and caches the clean source images
    start = time.perf_counter()
    items = [dataset[i % len(dataset)] for i in range(samples)]
    data_rate = samples / (time.perf_counter() - start)

    torch.manual_seed(0)
    model = build_model(cfg).train()
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-4))
    batch_size = cfg.train_dataloader.batch_size
    batch = pseudo_collate([items[i % len(items)] for i in range(batch_size)])
    model.train_step(batch, optim)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_step(batch, optim)
    step_rate = steps / (time.perf_counter() - start)
    return [data_rate, step_rate, step_rate * batch_size, data_rate / (step_rate * batch_size)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', default=[str(ROOT / 'configs' / c) for c in TINY_CONFIGS])
    parser.add_argument('--samples', type=int, default=32)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--out', default=None, help='also write the table as CSV')
    args = parser.parse_args()

    headers = ['config', 'data samples/s', 'train steps/s', 'train samples/s', 'data / train']
    rows = []
    for config in args.configs:
        name = config.rsplit('/', 1)[-1]
        try:
            rows.append([name, *measure(config, args.samples, args.steps)])
        except Exception as error:  # a config that cannot run here is reported, the others still run
            rows.append([name, 'failed', f'{type(error).__name__}: {str(error)[:80]}', '', ''])
        print(rows[-1], flush=True)
    print(f'\nCPU, {torch.get_num_threads()} threads, {args.samples} samples, {args.steps} steps\n')
    print(markdown_table(headers, rows))
    write_csv(args.out, headers, rows)


if __name__ == '__main__':
    main()
