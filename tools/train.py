"""Train a deraining model with mmengine's Runner.

Usage::

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CHECKPOINT]]
                                 [--precision auto|fp32|bf16|fp16] [--cfg-options KEY=VALUE ...]
                                 [--launcher none|pytorch]
                                 [--device auto|cpu|cuda] [--keep-frozen-weights]
    torchrun --nproc_per_node 2 tools/train.py CONFIG --launcher pytorch --device cpu

``--resume`` alone resumes from the checkpoint named in ``WORK_DIR/last_checkpoint``;
``--resume PATH`` from that checkpoint. ``--precision auto`` (the default) trains in bfloat16
autocast where the device computes it natively (a GPU with bf16, a CPU with AVX-512 BF16 or
AMX) and in float32 elsewhere, and logs which and why (``derain_toolkit/engine/precision.py``);
``fp32``, ``bf16`` and ``fp16`` (CUDA) force one. ``--amp`` is the deprecated spelling of
``--precision fp16`` on CUDA and ``bf16`` on the CPU. Logs with progress and ETA go to
``WORK_DIR/<timestamp>/``.
Checkpoints leave out frozen pre-trained weights that the model rebuilds from their source
(the CLIP of CLIP-RPN and DA-CLIP); ``--keep-frozen-weights`` saves them too.
"""
import argparse
import os.path as osp
import sys
import uuid
import warnings
from typing import Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path, --device cpu hides GPUs)
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from derain_toolkit import load_config
from derain_toolkit.engine.launcher import setup_launcher
from derain_toolkit.engine.options import tool_device, tool_parser
from derain_toolkit.engine.precision import PrecisionChoice, resolve_precision
from derain_toolkit.engine.recipe_batch import apply_recipe_batch, world_size_from_env
from derain_toolkit.engine.runner_utils import enable_amp, preflight
from derain_toolkit.engine.work_dir_lock import work_dir_lock
from derain_toolkit.errors import InputError


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    """Command-line arguments of the training tool."""
    parser = tool_parser('Train a deraining model.', 'device', 'precision', 'cfg_options', 'launcher')
    parser.add_argument('config', help='config file, e.g. configs/restormer_rain100l.py')
    parser.add_argument('--work-dir', help='folder for logs and checkpoints '
                        '(default: the config\'s work_dir, else work_dirs/<config name>)')
    parser.add_argument('--resume', nargs='?', const='auto', default=None, metavar='CHECKPOINT',
                        help='resume from CHECKPOINT, or from the latest checkpoint of the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='deprecated: --precision fp16 on CUDA, bf16 on the CPU')
    parser.add_argument('--keep-frozen-weights', action='store_true',
                        help='also save frozen pre-trained weights (e.g. CLIP) in checkpoints; by default they are '
                        'left out and rebuilt from their source (pretrained tag or file) when the model is built')
    parser.add_argument('--compile', action='store_true',
                        help="torch.compile the training step (mmengine's cfg.compile). Off by default: no speed-up has been "
                        'measured yet (docs/benchmarks.md, "torch.compile")')
    return parser.parse_args(argv)


def training_precision(args: argparse.Namespace, device: str) -> PrecisionChoice:
    """The precision to train in: ``--precision``, or the deprecated ``--amp``'s meaning."""
    if not args.amp:
        return resolve_precision(args.precision, device)
    if args.precision != 'auto':
        raise ValueError(f'--amp and --precision {args.precision} disagree: give --precision alone')
    requested = 'fp16' if device == 'cuda' else 'bf16'
    warnings.warn(f'--amp is deprecated; it means --precision {requested} on {device}: pass that instead '
                  '(or leave --precision auto, which picks bf16 only where the device runs it natively)',
                  FutureWarning, stacklevel=2)
    return resolve_precision(requested, device)


def build_train_config(args: argparse.Namespace) -> Config:
    """The config of ``args.config`` with every command-line switch applied."""
    cfg = load_config(args.config)
    cfg.merge_from_dict(args.cfg_options)
    config_name = osp.splitext(osp.basename(args.config))[0]
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join('work_dirs', config_name)
    # mmengine names the run's logger and message hub "<experiment>_<time to the second>": two
    # runs of one config started in one second (tests, tools/reproduce.py) would share them.
    cfg.setdefault('experiment_name', f'{config_name}_{uuid.uuid4().hex[:6]}')
    device = tool_device(args.device)
    choice = training_precision(args, device)
    if choice.precision != 'fp32':
        enable_amp(cfg, device, choice.precision)
    cfg.precision = dict(precision=choice.precision, reason=choice.reason)
    if args.keep_frozen_weights:
        cfg.default_hooks.checkpoint.keep_frozen_weights = True
    if args.resume is not None:
        cfg.resume = True
        cfg.load_from = None if args.resume == 'auto' else args.resume
    if args.compile:
        cfg.compile = True
    setup_launcher(cfg, args.launcher, device)
    recipe = apply_recipe_batch(cfg, world_size_from_env(args.launcher))
    if recipe is not None:
        cfg.recipe_batch = recipe
    return cfg


def main(argv: Optional[list[str]] = None) -> Runner:
    """Train as the command line says; return the runner (for tests and notebooks)."""
    cfg = build_train_config(parse_args(argv))
    with work_dir_lock(cfg.work_dir):
        preflight(cfg, ('train', 'val'))
        runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
        runner.logger.info(f'precision: {cfg.precision.precision} ({cfg.precision.reason})')
        if 'recipe_batch' in cfg:
            runner.logger.info(cfg.recipe_batch)
        runner.train()
    return runner


if __name__ == '__main__':
    try:
        main()
    except InputError as error:
        sys.exit(f'{osp.basename(__file__)}: {error}')
