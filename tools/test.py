"""Test a trained deraining model: save the derained images and a metrics table.

Usage::

    python tools/test.py CONFIG CHECKPOINT [--out DIR] [--device auto|cpu|cuda]
                         [--precision auto|fp32|bf16|fp16] [--cfg-options KEY=VALUE ...]

Writes ``DIR/images/[<dataset>/]<key>.png`` (8-bit), ``DIR/metrics.csv`` and
``DIR/metrics.md`` with one row per test set (plus ``Average`` for
``MultiDatasetTestLoop`` configs), and the log under ``DIR/<timestamp>/``.

CHECKPOINT is a file written by ``tools/train.py`` or ``tools/convert_checkpoint.py``, or an
official release as published when the config names it (``checkpoint_converter``), e.g.
Restormer's ``deraining.pth`` with ``configs/restormer_rain13k.py``. It is loaded as
``load_from``, read strictly by the checkpoint hook (``AtomicCheckpointHook``).

Diffusion models (IR-SDE, DA-CLIP) sample with the config's ``model.generator.sampler``;
``--cfg-options model.generator.sampler.type=MRSampler model.generator.sampler.steps=10``
tests them with the MR Sampler at 10 network evaluations.

``--precision auto`` (default) tests in bfloat16 autocast only where the device runs it
natively, in float32 elsewhere (``derain_toolkit/engine/precision.py``); the choice and its
reason are logged.
"""
import argparse
import csv
import os
import os.path as osp
import sys
from typing import Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path, --device cpu hides GPUs)
import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from derain_toolkit import load_config
from derain_toolkit.engine.multi_test_loop import format_table
from derain_toolkit.engine.options import tool_device, tool_parser
from derain_toolkit.engine.precision import PrecisionChoice, resolve_precision
from derain_toolkit.engine.runner_utils import preflight, score_inputs
from derain_toolkit.errors import InputError


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    """Command-line arguments of the test tool."""
    parser = tool_parser('Test a deraining model.', 'device', 'precision', 'cfg_options')
    parser.add_argument('config', help='config file used for training')
    parser.add_argument('checkpoint', help='checkpoint file, e.g. work_dirs/<config>/iter_300000.pth')
    parser.add_argument('--out', default=None, help='output folder (default: work_dirs/<config name>/test)')
    parser.add_argument('--no-input-scores', action='store_true',
                        help='do not score the rainy inputs (by default PSNR_input/SSIM_input, and '
                        'NIQE_input/BRISQUE_input where tested, are reported beside the model\'s, the baseline '
                        'it has to beat)')
    return parser.parse_args(argv)


def build_test_config(args: argparse.Namespace) -> Config:
    """The config of ``args.config`` set up to test ``args.checkpoint`` into ``args.out``."""
    cfg = load_config(args.config)
    cfg.merge_from_dict(args.cfg_options)
    device = tool_device(args.device)
    choice = resolve_precision(args.precision, device)
    cfg.precision = dict(precision=choice.precision, reason=choice.reason)
    if choice.precision != 'fp32':
        # The test loops autocast with mmengine's autocast(enabled=fp16): bfloat16 on the CPU,
        # torch's autocast GPU dtype on CUDA (set in main()).
        cfg.test_cfg = dict(cfg.get('test_cfg') or dict(type='TestLoop'), fp16=True)
    out = args.out or osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0], 'test')
    cfg.work_dir = out
    cfg.load_from = args.checkpoint
    cfg.resume = False
    cfg.launcher = 'none'
    if not args.no_input_scores:
        score_inputs(cfg)
    cfg.custom_hooks = [*cfg.get('custom_hooks', []), dict(type='NonFiniteOutputHook'),
                        dict(type='SaveDerainedImagesHook', out_dir=osp.join(out, 'images'))]
    return cfg


def _metrics_by_set(metrics: dict, runner: Runner) -> tuple[dict, list[str]]:
    """Metrics keyed ``{set}/{metric}`` and the set names in table order."""
    names = list(getattr(runner.test_loop, 'names', []))
    if all('/' in key for key in metrics):
        names = list(dict.fromkeys([*names, *(key.split('/', 1)[0] for key in metrics)]))
        return metrics, names
    dataset = runner.test_dataloader.dataset
    name = getattr(dataset, 'metainfo', {}).get('name', None) or type(dataset).__name__
    return {f'{name}/{key}': value for key, value in metrics.items()}, [name]


def write_metrics(metrics: dict, names: list[str], out_dir: str) -> tuple[str, str]:
    """Write ``metrics.csv`` and ``metrics.md`` (one row per set); return their paths."""
    columns = list(dict.fromkeys(key.split('/', 1)[1] for key in metrics))
    csv_path, md_path = osp.join(out_dir, 'metrics.csv'), osp.join(out_dir, 'metrics.md')
    os.makedirs(out_dir, exist_ok=True)
    with open(csv_path, 'w', newline='') as handle:
        writer = csv.writer(handle)
        writer.writerow(['dataset', *columns])
        for name in names:
            writer.writerow([name, *[metrics.get(f'{name}/{column}', '') for column in columns]])
    with open(md_path, 'w') as handle:
        handle.write(format_table(metrics, names) + '\n')
    return csv_path, md_path


def main(argv: Optional[list[str]] = None) -> dict:
    """Test as the command line says; return ``{set}/{metric}`` values."""
    args = parse_args(argv)
    cfg = build_test_config(args)
    preflight(cfg, ('test',))
    if cfg.precision.precision != 'fp32' and torch.cuda.is_available():
        torch.set_autocast_dtype('cuda', PrecisionChoice(**cfg.precision).dtype)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    runner.logger.info(f'precision: {cfg.precision.precision} ({cfg.precision.reason})')
    metrics, names = _metrics_by_set(runner.test(), runner)
    csv_path, md_path = write_metrics(metrics, names, cfg.work_dir)
    runner.logger.info(f'Derained images in {osp.join(cfg.work_dir, "images")}; metrics in {csv_path} '
                       f'and {md_path}:\n{format_table(metrics, names)}')
    return metrics


if __name__ == '__main__':
    try:
        main()
    except (InputError, FileNotFoundError) as error:
        sys.exit(f'{osp.basename(__file__)}: {error}')
