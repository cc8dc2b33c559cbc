"""Train the DA-CLIP controller (DA-CLIP paper Sec. III, Eq. 4) on paired rainy/clean data, on the Runner.

The frozen CLIP model sees the rainy image through the controller; the content embedding
is pulled toward the clean caption's text embedding and the degradation embedding toward
the degradation-type text. The training is ``configs/daclip_controller.py`` (the official
recipe) with this script's flags filled in: the dataset of DATASET_CONFIG wrapped in a
``CaptionedRainDataset`` with --captions (the official caption file, see
``derain_toolkit/datasets/captioned_rain_dataset.py``), the CLIP, the batch and the length.
The composed config is written to WORK_DIR/daclip_controller.py and trained by
``tools/train.py``, so everything training does applies: resume after a kill (--resume),
atomic checkpoints, DDP with torchrun (--launcher pytorch), --precision, logs and progress,
the recipe's global batch of 784 by gradient accumulation on fewer GPUs.

Writes the controller checkpoint (--out): the trainable weights under the official DaCLIP
keys (``visual_control.*``, ``logit_scale``), which ``DACLIP(controller_checkpoint=...)``
loads on top of the same CLIP (``model.generator.daclip.controller_checkpoint`` in a config).

Example::

    python tools/train_daclip.py configs/_base_/datasets/rain100h.py \\
        --clip-pretrained /path/to/open_clip_pytorch_model.bin \\
        --captions datasets/universal/daclip_train.csv --out work_dirs/daclip/controller.pth
    torchrun --nproc_per_node 4 tools/train_daclip.py ... --launcher pytorch
"""
import argparse
import copy
import math
import os
import os.path as osp
from typing import Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path, --device cpu hides GPUs)
import train  # tools/train.py: the training this script configures
from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from derain_toolkit import load_config
from derain_toolkit.checkpoints.atomic_files import save_atomically
from derain_toolkit.engine.options import tool_parser
from derain_toolkit.models.layers.open_clip_loader import clip_weights_problem
from derain_toolkit.registry import DATASETS

TEMPLATE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs', 'daclip_controller.py')
EPOCHS = 30  # the official command's --epochs


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    parser = tool_parser(__doc__, 'device', 'precision', 'cfg_options', 'launcher',
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('dataset_config', help='a config whose train_dataloader.dataset gives rainy/clean pairs')
    parser.add_argument('--captions', help='the official DA-CLIP caption file (filepath<TAB>"caption: '
                        'degradation"); default: one template caption for every image')
    parser.add_argument('--degradation', default='rainy', help='degradation text of images without a caption row')
    parser.add_argument('--clip-model', default='ViT-B-32')
    parser.add_argument('--clip-pretrained', default='laion2b_s34b_b79k',
                        help='open_clip tag (official: laion2b_s34b_b79k) or local CLIP checkpoint file')
    parser.add_argument('--tiny-random-clip', action='store_true',
                        help='a tiny randomly initialised CLIP (smoke tests only)')
    parser.add_argument('--iters', type=int, default=None,
                        help=f'optimizer steps (default: {EPOCHS} epochs of the dataset at the global batch)')
    parser.add_argument('--batch-size', type=int, default=16, help='images per GPU and iteration (default 16)')
    parser.add_argument('--global-batch', type=int, default=784,
                        help='images per optimizer step (official 784; accumulated on fewer GPUs)')
    parser.add_argument('--lr', type=float, default=2e-5)
    parser.add_argument('--weight-decay', type=float, default=0.05)
    parser.add_argument('--warmup', type=int, default=100, help='warm-up optimizer steps (official 100; 0: none)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--work-dir', default=None, help='logs and checkpoints (default work_dirs/daclip_controller)')
    parser.add_argument('--resume', action='store_true', help='resume from the latest checkpoint of the work dir')
    parser.add_argument('--out', required=True, help='controller checkpoint to write')
    return parser.parse_args(argv)


def check_clip(args: argparse.Namespace) -> None:
    """Stop with this script's flags when the CLIP weights cannot be found."""
    if args.tiny_random_clip or clip_weights_problem(args.clip_model, args.clip_pretrained) is None:
        return
    raise SystemExit(
        f'train_daclip: no CLIP weights for --clip-model {args.clip_model} --clip-pretrained '
        f'{args.clip_pretrained}: it is neither an existing file nor an open_clip tag cached here or '
        'downloadable (no network). Fix: on a machine with network run `python -c "import open_clip; '
        f"open_clip.create_model('{args.clip_model}', pretrained='laion2b_s34b_b79k')\"`, copy its "
        'open_clip_pytorch_model.bin here and pass --clip-pretrained /path/to/open_clip_pytorch_model.bin '
        '(or --tiny-random-clip for a smoke test).')


def compose_config(args: argparse.Namespace) -> Config:
    """``configs/daclip_controller.py`` with the dataset, captions, CLIP, batch and schedule of ``args``."""
    cfg = Config.fromfile(TEMPLATE)
    dataset = copy.deepcopy(load_config(args.dataset_config).train_dataloader.dataset)
    cfg.train_dataloader.dataset = dict(type='CaptionedRainDataset', dataset=dataset, captions=args.captions,
                                        degradation=args.degradation)
    cfg.train_dataloader.batch_size = args.batch_size
    cfg.global_batch_size = args.global_batch
    if args.tiny_random_clip:
        cfg.model.daclip = dict(clip_model='tiny', pretrained=None, allow_random_init=True, warn_untrained=False,
                                model_cfg='tiny')
    else:
        cfg.model.daclip.update(clip_model=args.clip_model, pretrained=args.clip_pretrained)
    steps = args.iters
    if steps is None:
        init_default_scope('derain_toolkit')
        steps = math.ceil(EPOCHS * len(DATASETS.build(copy.deepcopy(dataset))) / args.global_batch)
    if steps < 1:
        raise SystemExit(f'train_daclip: --iters must be at least 1, got {steps}')
    warmup = min(args.warmup, steps - 1)
    cfg.train_cfg.max_iters = steps
    cfg.optim_wrapper.optimizer.update(lr=args.lr, weight_decay=args.weight_decay)
    warm_up, cosine = cfg.param_scheduler
    warm_up.end = warmup
    cosine.update(begin=warmup, end=steps, T_max=steps - warmup)
    cfg.param_scheduler = [warm_up, cosine] if warmup > 0 else [cosine]
    cfg.randomness = dict(seed=args.seed)
    cfg.merge_from_dict(args.cfg_options)
    return cfg


def main(argv: Optional[list[str]] = None) -> Runner:
    """Train the controller as the command line says, write --out; return the runner."""
    args = parse_args(argv)
    check_clip(args)
    cfg = compose_config(args)
    work_dir = args.work_dir or osp.join('work_dirs', 'daclip_controller')
    os.makedirs(work_dir, exist_ok=True)
    config_path = osp.join(work_dir, 'daclip_controller.py')
    cfg.dump(config_path)
    train_argv = [config_path, '--work-dir', work_dir, '--device', args.device, '--precision', args.precision,
                  '--launcher', args.launcher] + (['--resume'] if args.resume else [])
    runner = train.main(train_argv)
    if is_main_process():
        model = getattr(runner.model, 'module', runner.model)
        save_atomically(model.daclip.controller_state_dict(), args.out)
        runner.logger.info(f'train_daclip: wrote {args.out}; use it with --cfg-options '
                           f'model.generator.daclip.controller_checkpoint={args.out}')
    return runner


if __name__ == '__main__':
    main()
