"""One full-size training step per paper config at the recipe's per-GPU batch and patch.

Usage::

    python benchmarks/paper_train_step.py [--configs restormer_rain13k.py ...] [--steps 5] [--warmup 2]
        [--device cuda] [--precision auto] [--out MARKDOWN]

For each config: the model at full size (CLIPs randomly initialised, nothing is
downloaded), its recipe's first-stage per-GPU batch and patch (``train_cfg.patch_schedule``
stage 0, else ``train_dataloader.batch_size`` and the training crop), ``--precision``
resolved as ``tools/train.py`` does (``auto``: bf16 autocast on a GPU with bfloat16),
AdamW, gradients clipped as the config says. ``--warmup`` steps, then the median of
``--steps`` timed steps (CUDA synchronised) and the peak memory of the timed steps
(``torch.cuda.max_memory_allocated``; on the CPU the peak live tensor memory of one step,
``TensorMemoryTracker``). ``scripts/gpu_check.sh`` runs it on a GPU.
"""
import statistics
import time

import torch
from _common import ROOT, markdown_table, offline_config

from derain_toolkit import build_model
from derain_toolkit.engine.options import resolve_device, tool_parser
from derain_toolkit.engine.precision import resolve_precision
from derain_toolkit.utils.tensor_memory import TensorMemoryTracker

PAPER_CONFIGS = ['restormer_rain13k.py', 'ddsa_rain13k.py', 'clip_rpn_mixed.py', 'drsformer_rain100l.py',
                 'promptir_rain100l.py', 'prenet_rain13k.py', 'mprnet_rain13k.py', 'irsde_rain100h.py',
                 'irsde_daclip_rain100h.py']


def recipe_batch_and_patch(cfg) -> tuple[int, int]:
    """The per-GPU batch and square patch of the recipe's first training stage."""
    schedule = cfg.train_cfg.get('patch_schedule')
    if schedule is not None:
        return schedule.batch_sizes[0], schedule.patch_sizes[0]
    dataset = cfg.train_dataloader.dataset
    crops = [t for t in dataset.get('pipeline') or [] if 'patch_size' in t]
    patch = crops[0]['patch_size'] if crops else dataset.get('image_size', 128)
    return int(cfg.train_dataloader.batch_size), int(patch)


def time_steps(config: str, device: torch.device, precision: str, steps: int, warmup: int) -> list:
    """``[config, batch x patch², precision, s/step, images/s, peak GiB]`` of one config."""
    cfg = offline_config(str(ROOT / 'configs' / config))
    batch, patch = recipe_batch_and_patch(cfg)
    choice = resolve_precision(precision, device.type)
    torch.manual_seed(0)
    model = build_model(cfg).to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4)
    clip = (cfg.optim_wrapper.get('clip_grad') or {}).get('max_norm')
    inputs = torch.rand(batch, 3, patch, patch, device=device)
    samples = dict(gt=torch.rand_like(inputs), meta=[dict(key=str(i)) for i in range(batch)])

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=choice.dtype, enabled=choice.dtype is not None):
            loss = sum(model(inputs, samples, mode='loss').values())
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        optimizer.step()

    for _ in range(warmup):
        step()
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    if device.type == 'cuda':
        peak = torch.cuda.max_memory_allocated(device)
    else:
        with TensorMemoryTracker() as tracker:
            step()
        peak = tracker.peak_bytes
    seconds = statistics.median(times)
    return [config, f'{batch} x {patch}²', choice.precision, seconds, batch / seconds, peak / 2**30]


def main() -> None:
    parser = tool_parser(__doc__.split('\n')[0], 'device', 'precision')
    parser.add_argument('--configs', nargs='+', default=PAPER_CONFIGS)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--out', default=None, help='also write the table (markdown) here')
    args = parser.parse_args()
    device = resolve_device(args.device)
    headers = ['config', 'batch x patch', 'precision', 's/step', 'images/s', 'peak GiB']
    rows = []
    for config in args.configs:
        try:
            rows.append(time_steps(config, device, args.precision, args.steps, args.warmup))
        except torch.OutOfMemoryError:
            rows.append([config, '-', args.precision, 'OOM', '-', '-'])
        if device.type == 'cuda':
            torch.cuda.empty_cache()
        print(markdown_table(headers, rows[-1:]).splitlines()[-1], flush=True)
    where = torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU'
    table = (f'Full-size training step at the recipe per-GPU batch, {where}, median of {args.steps} after '
             f'{args.warmup} warm-up steps\n\n' + markdown_table(headers, rows))
    print('\n' + table)
    if args.out:
        with open(args.out, 'w') as handle:
            handle.write(table + '\n')


if __name__ == '__main__':
    main()
