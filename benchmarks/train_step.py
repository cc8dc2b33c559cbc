"""One training step of our Restormer against the official network, and CLIP-RPN's routed step.

Usage::

    python benchmarks/train_step.py --official /path/to/restormer_arch.py
        [--batch 2] [--patch 128] [--repeats 3] [--threads N] [--device auto|cpu|cuda]
        [--models official ours clip_rpn] [--compile] [--cpu-bf16] [--out CSV]

A step is forward, loss, backward and ``torch.optim.AdamW`` (lr 3e-4, weight decay 1e-4,
gradients set to None): the official ``Restormer()`` (``basicsr/models/archs/restormer_arch.py``
of github.com/swz30/Restormer, kept outside this repository; loaded as in
``benchmarks/official_restormer.py``) with an L1 loss, against our
``configs/restormer_rain13k.py`` ``Derainer`` in ``'loss'`` mode (its L1 loss), with the
official weights copied into ours, on the same ``--batch`` x 3 x ``--patch``² random batch.
``configs/clip_rpn_rain100h.py`` is the routed step: a randomly initialised ViT-B/32 CLIP
(nothing is downloaded, as in ``benchmarks/forward_speed_memory.py``) routes the batch live,
mask heads and MGCA branches run, DLS + mask BCE losses.

Variants (every one takes its turn in every round, see ``_common.time_in_turns``):

* ``fp32 NCHW``: the plain step;
* ``fp32 channels-last``: model and batch in the channels-last memory format (the
  default of ``tools/train.py``: the same operations, equal up to float rounding; the
  script prints the largest gradient difference to NCHW);
* CUDA only: ``bf16 channels-last fused``: bfloat16 autocast and ``AdamW(fused=True)``;
* ``--cpu-bf16``: the bf16 autocast row on the CPU too (emulated without AVX-512 BF16/AMX);
* ``--compile``: each row also through ``torch.compile`` (needs a C++ compiler on the CPU).

Columns: median seconds per step, images per second, the ratio of ours to the official
step of the same variant, CLIP-RPN's ratio to our Restormer step of the same variant, and
on CUDA the peak memory of one step (``torch.cuda.max_memory_allocated``).
"""
import contextlib
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F
from _common import ROOT, markdown_table, time_in_turns, write_csv
from official_restormer import load_official
from torch import nn

from derain_toolkit import build_model, load_config
from derain_toolkit.checkpoints.import_checkpoint import import_state
from derain_toolkit.engine.options import resolve_device, tool_parser

RESTORMER = ROOT / 'configs' / 'restormer_rain13k.py'
LABELS = dict(official='official Restormer', ours='our Restormer', clip_rpn='CLIP-RPN')
CLIP_RPN = ROOT / 'configs' / 'clip_rpn_rain100h.py'


@dataclass(frozen=True)
class Variant:
    """How a step runs: memory format, autocast dtype, fused AdamW, torch.compile."""

    name: str
    channels_last: bool
    dtype: Optional[torch.dtype] = None
    fused: bool = False
    compile: bool = False


def _clip_rpn_config():
    """CLIP-RPN's config with a random ViT-B/32 (no download) and the DLS progress set."""
    cfg = load_config(str(CLIP_RPN))
    cfg.model.backbone.router.update(pretrained=None, allow_random_init=True)
    return cfg


def build_models(official_path: str, device: torch.device, kinds: list[str]) -> dict[str, nn.Module]:
    """Of the official network, our Restormer ``Derainer`` with the official weights and CLIP-RPN, those in ``kinds``."""
    torch.manual_seed(0)
    official = load_official(official_path)().to(device)
    models = dict(official=official)
    if 'ours' in kinds:
        ours = build_model(str(RESTORMER))
        ours.load_state_dict(import_state(ours, official.state_dict(), 'official', 'restormer').state)
        models['ours'] = ours.to(device)
    if 'clip_rpn' in kinds:
        clip_rpn = build_model(_clip_rpn_config())
        for loss in clip_rpn.losses:
            if hasattr(loss, 'set_training_progress'):
                loss.set_training_progress(0, 1000)
        models['clip_rpn'] = clip_rpn.to(device)
    return {kind: models[kind] for kind in kinds}


def make_step(kind: str, model: nn.Module, variant: Variant, batch: tuple[torch.Tensor, torch.Tensor]
              ) -> Callable[[], torch.Tensor]:
    """A closure running one training step of a private copy of ``model``; returns the loss."""
    model = copy.deepcopy(model).train()
    memory_format = torch.channels_last if variant.channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    rainy, clean = (t.contiguous(memory_format=memory_format) for t in batch)
    device = rainy.device
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=3e-4, weight_decay=1e-4, betas=(0.9, 0.999),
                                  **(dict(fused=True) if variant.fused else {}))
    if kind == 'official':
        def loss_of(x, gt):
            return F.l1_loss(model(x), gt)
    else:
        def loss_of(x, gt):
            return sum(model(x, dict(gt=gt, meta=[{} for _ in x]), mode='loss').values())
    if variant.compile:
        loss_of = torch.compile(loss_of)
    autocast = (torch.autocast(device.type, dtype=variant.dtype) if variant.dtype is not None
                else contextlib.nullcontext())

    def step() -> torch.Tensor:
        with autocast:
            loss = loss_of(rainy, clean)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.detach()

    step.model = model
    return step


def channels_last_gradient_difference(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> float:
    """Largest |grad_NCHW - grad_channels_last| / max|grad_NCHW| over our Restormer's parameters."""
    grads = []
    for memory_format in (torch.contiguous_format, torch.channels_last):
        replica = copy.deepcopy(model).train().to(memory_format=memory_format)
        x, gt = (t.contiguous(memory_format=memory_format) for t in batch)
        sum(replica(x, dict(gt=gt, meta=[{} for _ in x]), mode='loss').values()).backward()
        grads.append(torch.cat([p.grad.flatten() for p in replica.parameters() if p.grad is not None]))
    return float((grads[0] - grads[1]).abs().max() / grads[0].abs().max())


def peak_step_memory(step: Callable[[], torch.Tensor], device: torch.device) -> float:
    """GB allocated at the peak of one CUDA step above what was allocated before it."""
    torch.cuda.synchronize(device)
    base = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    step()
    torch.cuda.synchronize(device)
    return (torch.cuda.max_memory_allocated(device) - base) / 1e9


def main() -> None:
    parser = tool_parser(__doc__.split('\n')[0], 'device')
    parser.add_argument('--official', required=True, help='official restormer_arch.py (or its folder)')
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--patch', type=int, default=128)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None, help='torch threads (default: torch default)')
    parser.add_argument('--models', nargs='+', choices=LABELS, default=list(LABELS),
                        help='which steps to time (default all; e.g. --models ours to compile only our Restormer)')
    parser.add_argument('--compile', action='store_true', help='also time every variant through torch.compile')
    parser.add_argument('--cpu-bf16', action='store_true', help='also time bf16 autocast on the CPU')
    parser.add_argument('--out', default=None, help='also write the table as CSV')
    args = parser.parse_args()
    args.device = str(resolve_device(args.device))
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cuda = device.type == 'cuda'

    variants = [Variant('fp32 NCHW', False), Variant('fp32 channels-last', True)]
    if cuda:
        variants.append(Variant('bf16 channels-last fused AdamW', True, torch.bfloat16, fused=True))
    elif args.cpu_bf16:
        variants.append(Variant('bf16 channels-last (emulated on this CPU)', True, torch.bfloat16))
    if args.compile:
        variants += [Variant(f'{v.name} compiled', v.channels_last, v.dtype, v.fused, True) for v in variants]

    models = build_models(args.official, device, args.models)
    generator = torch.Generator().manual_seed(0)
    clean = torch.rand(args.batch, 3, args.patch, args.patch, generator=generator)
    rainy = (clean + 0.3 * (torch.rand(clean.shape, generator=generator) > 0.95)).clamp(0, 1)
    batch = (rainy.to(device), clean.to(device))

    steps = {(kind, v.name): make_step(kind, models[kind], v, batch) for v in variants for kind in models}
    times = dict(zip(steps, time_in_turns(list(steps.values()), args.repeats, device)))
    memory = {key: peak_step_memory(step, device) for key, step in steps.items()} if cuda else {}

    headers = ['variant', 'model', 'median s / step', 'images / s', 'ours / official', 'CLIP-RPN / ours',
               'peak memory GB']
    rows = []
    for v in variants:
        for kind in models:
            seconds = times[kind, v.name]
            rows.append([v.name, LABELS[kind], seconds, args.batch / seconds,
                         seconds / times['official', v.name] if kind == 'ours' and 'official' in models else '',
                         seconds / times['ours', v.name] if kind == 'clip_rpn' and 'ours' in models else '',
                         memory.get((kind, v.name), '-')])
    threads = torch.get_num_threads() if not cuda else '-'
    name = torch.cuda.get_device_name(device) if cuda else 'CPU'
    print(f'Training step (forward, loss, backward, AdamW), batch {args.batch} x 3 x {args.patch}², '
          f'{name}, torch threads {threads}, median of {args.repeats} after a warm-up, random weights\n')
    print(markdown_table(headers, rows))
    if 'ours' in models:
        print(f'\nchannels-last vs NCHW, our Restormer, one step: max |grad diff| / max |grad| = '
              f'{channels_last_gradient_difference(models["ours"], batch):.2e}')
    write_csv(args.out, headers, rows)


if __name__ == '__main__':
    main()
