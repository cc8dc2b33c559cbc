"""Parameters, MACs and inference time of models, laid out as CLIP-RPN Table 4.

Usage::

    python tools/complexity.py CONFIG [CONFIG ...] [--shape 1 3 256 256] [--repeats 3]
                               [--device auto|cpu|cuda] [--cfg-options KEY=VALUE ...] [--csv FILE]

Columns:

* ``Param (M)``: every parameter; ``Trainable (M)`` those with ``requires_grad``;
  ``Frozen (M)`` the rest (the frozen CLIP of CLIP-RPN's router, DA-CLIP's CLIP).
* ``MACs (G)``: convolution MACs of one ``model(x, mode='tensor')`` call (the whole
  inference: all reverse steps of IR-SDE) at ``--shape`` (Table 4 uses 1x3x256x256),
  counted by PyTorch's ``FlopCounterMode`` (:mod:`derain_toolkit.utils.complexity`):
  this is the convention of Table 4's numbers (Restormer: 140.99 G).
  ``+matmul (G)`` adds the matrix products (attention, linear layers, CLIP's ViT).
  Counting runs on the meta device (no compute); a model that needs real values (CLIP
  routing takes an ``argmax`` of the data) is counted on a random CPU tensor instead,
  and the ``on`` column says which.
* ``Time (s)``: mean wall time of one inference at ``--shape`` on ``--device`` after a
  warm-up, over ``--repeats`` runs. Table 4 reports the total test time on the Mixed
  set instead, on an RTX 4090: not comparable.

Configs whose CLIP weights cannot be had offline can be measured with random weights
(same size, same MACs)::

    --cfg-options model.backbone.router.pretrained=None model.backbone.router.allow_random_init=True
"""
import argparse
import csv
import os
import time
from typing import Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path, --device cpu hides GPUs)
import torch
from mmengine.config import DictAction
from torch import nn

from derain_toolkit import build_model, load_config
from derain_toolkit.engine.runner_utils import DEVICES, select_device
from derain_toolkit.utils.complexity import (
    count_macs,
    count_macs_on_meta,
    count_parameters,
)

COLUMNS = ('Model', 'Param (M)', 'Trainable (M)', 'Frozen (M)', 'MACs (G)', '+matmul (G)', 'on', 'Time (s)')


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    """Command-line arguments of the complexity tool."""
    parser = argparse.ArgumentParser(description='Parameters, MACs and inference time (CLIP-RPN Table 4).')
    parser.add_argument('configs', nargs='+', help='model configs')
    parser.add_argument('--shape', type=int, nargs=4, default=(1, 3, 256, 256), metavar=('B', 'C', 'H', 'W'),
                        help='input shape for MACs and time (default 1 3 256 256, as Table 4)')
    parser.add_argument('--repeats', type=int, default=3, help='timed inferences per model (0: skip timing)')
    parser.add_argument('--device', choices=DEVICES, default='auto', help='device for the timing')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override entries of every config, e.g. model.backbone.router.pretrained=None')
    parser.add_argument('--csv', help='also write the table to this CSV file')
    return parser.parse_args(argv)


def model_macs(model: nn.Module, shape: tuple[int, ...]) -> tuple[dict[str, float], str]:
    """MACs of one inference and where they were counted (``'meta'`` or ``'cpu'``)."""
    try:
        return count_macs_on_meta(model, shape, mode='tensor'), 'meta'
    except (NotImplementedError, RuntimeError, TypeError, ValueError):  # data-dependent code (routing, sampling)
        generator = torch.Generator().manual_seed(0)
        return count_macs(model.cpu(), torch.rand(shape, generator=generator), mode='tensor'), 'cpu'


@torch.no_grad()
def inference_seconds(model: nn.Module, shape: tuple[int, ...], device: str, repeats: int) -> Optional[float]:
    """Mean seconds of ``model(x, mode='tensor')`` on ``device`` after one warm-up call."""
    if repeats <= 0:
        return None
    model = model.to(device)
    x = torch.rand(shape, device=device)

    def sync() -> None:
        if device == 'cuda':
            torch.cuda.synchronize()

    model(x, mode='tensor')
    sync()
    start = time.perf_counter()
    for _ in range(repeats):
        model(x, mode='tensor')
    sync()
    return (time.perf_counter() - start) / repeats


def measure(config: str, shape: tuple[int, ...], device: str, repeats: int, cfg_options: dict) -> dict:
    """One row of the table for ``config``."""
    cfg = load_config(config)
    cfg.merge_from_dict(cfg_options)
    model = build_model(cfg).eval()
    total = count_parameters(model)
    trainable = count_parameters(model, trainable_only=True)
    macs, counted_on = model_macs(model, shape)
    seconds = inference_seconds(model, shape, device, repeats)
    return {
        'Model': os.path.splitext(os.path.basename(config))[0],
        'Param (M)': total / 1e6,
        'Trainable (M)': trainable / 1e6,
        'Frozen (M)': (total - trainable) / 1e6,
        'MACs (G)': macs['conv'] / 1e9,
        '+matmul (G)': (macs['conv'] + macs['matmul']) / 1e9,
        'on': counted_on,
        'Time (s)': seconds,
    }


def format_table(rows: list[dict], shape: tuple[int, ...], device: str) -> str:
    """The Markdown table (Table 4 layout plus the parameter split)."""
    def cell(value) -> str:
        if value is None:
            return '—'
        return f'{value:.2f}' if isinstance(value, float) else str(value)

    lines = [f'MACs at {"x".join(map(str, shape))}; time per inference on {device}.', '',
             '| ' + ' | '.join(COLUMNS) + ' |', '|' + ' --- |' * len(COLUMNS)]
    lines += ['| ' + ' | '.join(cell(row[c]) for c in COLUMNS) + ' |' for row in rows]
    return '\n'.join(lines)


def main(argv: Optional[list[str]] = None) -> list[dict]:
    """Measure every config, print the table, return its rows."""
    args = parse_args(argv)
    device = select_device(args.device)
    shape = tuple(args.shape)
    rows = [measure(config, shape, device, args.repeats, args.cfg_options) for config in args.configs]
    print(format_table(rows, shape, device))
    if args.csv:
        with open(args.csv, 'w', newline='') as file:
            writer = csv.DictWriter(file, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    return rows


if __name__ == '__main__':
    main()
