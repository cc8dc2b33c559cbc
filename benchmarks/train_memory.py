"""Training memory and step time with and without activation checkpointing, and what fits a GPU.

Usage::

    python benchmarks/train_memory.py [--configs restormer_rain13k.py ...] [--patches 128 256 384]
        [--batches 1 2 4 8] [--time-patch 64] [--time-batch 1] [--repeats 2] [--device cpu|cuda]
        [--gpus-gb 24 48 80] [--out CSV]

Memory, per (config, patch, batch), with ``model.activation_checkpointing`` off and on:

* ``--device cpu`` (default here): the full-size step (forward in ``'loss'`` mode,
  backward) runs on the ``meta`` device under
  ``derain_toolkit.utils.tensor_memory.TensorMemoryTracker``, which counts every tensor
  storage the step creates while it is alive: exact sizes with no computation, so 384² x 8
  costs nothing. It counts what the computation needs, not allocator caching,
  fragmentation or cuDNN workspaces: an estimate of a GPU's figure from below.
* ``--device cuda``: the same step computed on the GPU, peak from
  ``torch.cuda.max_memory_allocated`` (shapes that do not fit print ``OOM``).

``kept`` is the memory the forward pass keeps for the backward pass (the activations);
``peak`` the largest live total during the step (activations, gradients, temporaries);
both exclude the weights, which exist before the step. The fit table adds the weights,
their gradients and AdamW's two moments (16 bytes per trainable parameter, 4 per frozen
one) to ``peak`` and reports the largest batch that fits each GPU size per patch,
from the per-sample slope of two batch sizes (the step is linear in the batch).

Step time (forward, backward, AdamW step) is measured for real on ``--device`` at
``--time-patch`` / ``--time-batch``, both ways, taking turns (``_common.time_in_turns``).
Full-size steps at the recipes' patches take minutes each on a CPU, so the default timing
size is small; on a GPU pass the recipe's.
"""
import argparse

import torch
from _common import ROOT, markdown_table, offline_config, time_in_turns, write_csv
from torch import nn

from derain_toolkit import build_model
from derain_toolkit.utils.tensor_memory import TensorMemoryTracker

PAPER_CONFIGS = ['restormer_rain13k.py', 'ddsa_rain13k.py', 'clip_rpn_rain100h.py', 'drsformer_rain100l.py',
                 'promptir_rain100l.py', 'irsde_rain100h.py', 'irsde_daclip_rain100h.py']
GIB = 2**30


def _model(config: str, checkpointing: bool, device: torch.device) -> nn.Module:
    cfg = offline_config(str(ROOT / 'configs' / config), **{'model.activation_checkpointing': checkpointing})
    torch.manual_seed(0)
    if device.type == 'meta':  # open_clip builds on the CPU whatever the default device: move it after
        with torch.device('cpu'):
            return build_model(cfg).to(device).train()
    with device:
        return build_model(cfg).train()


def _batch(batch: int, patch: int, device: torch.device) -> tuple[torch.Tensor, dict]:
    inputs = torch.rand(batch, 3, patch, patch, device=device)
    meta = [dict(key=str(i)) for i in range(batch)]
    return inputs, dict(gt=torch.rand(batch, 3, patch, patch, device=device), meta=meta)


def _weight_bytes(model: nn.Module) -> float:
    """Weights, their gradients and AdamW's moments: 16 bytes per trainable float32 parameter, 4 per frozen."""
    params = {id(p): p for p in model.parameters()}.values()
    return sum(p.numel() * (16 if p.requires_grad else 4) for p in params)


def step_memory(model: nn.Module, batch: int, patch: int, device: torch.device) -> tuple[float, float]:
    """(kept, peak) bytes of one loss step, excluding the weights; ``inf`` when CUDA runs out of memory."""
    model.zero_grad(set_to_none=True)
    inputs, samples = _batch(batch, patch, device)
    if device.type == 'cuda':
        torch.cuda.empty_cache()
        base = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        try:
            loss = sum(model(inputs, samples, mode='loss').values())
            kept = torch.cuda.memory_allocated(device) - base
            loss.backward()
        except torch.OutOfMemoryError:
            return float('inf'), float('inf')
        return kept, torch.cuda.max_memory_allocated(device) - base
    with TensorMemoryTracker() as tracker:
        loss = sum(model(inputs, samples, mode='loss').values())
        kept = tracker.live_bytes
        loss.backward()
    return kept, tracker.peak_bytes


def step_seconds(models: list[nn.Module], batch: int, patch: int, device: torch.device, repeats: int) -> list[float]:
    """Median seconds of a full training step (forward, backward, AdamW) of each model, in turns."""
    inputs, samples = _batch(batch, patch, device)
    optimizers = [torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=1e-4) for m in models]

    def step(model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
        optimizer.zero_grad(set_to_none=True)
        sum(model(inputs, samples, mode='loss').values()).backward()
        optimizer.step()

    return time_in_turns([lambda m=m, o=o: step(m, o) for m, o in zip(models, optimizers)], repeats, device)


def _largest_batch(weights: float, peaks: dict[int, float], gpu_gb: float) -> int:
    """Largest batch with weights + peak(batch) under ``gpu_gb``, peak linear in the batch."""
    (b1, p1), (b2, p2) = sorted(peaks.items())[:2]
    per_sample = (p2 - p1) / (b2 - b1)
    fixed = p1 - per_sample * b1
    room = gpu_gb * 1e9 - weights - fixed
    return max(int(room // per_sample), 0) if per_sample > 0 else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', default=PAPER_CONFIGS)
    parser.add_argument('--patches', nargs='+', type=int, default=[128, 256, 384])
    parser.add_argument('--batches', nargs='+', type=int, default=[1, 2, 4, 8])
    parser.add_argument('--time-patch', type=int, default=64)
    parser.add_argument('--time-batch', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, default=None, help='torch threads on the CPU')
    parser.add_argument('--gpus-gb', nargs='+', type=float, default=[24, 48, 80])
    parser.add_argument('--no-timing', action='store_true', help='memory only')
    parser.add_argument('--out', default=None, help='CSV of the memory table')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if len(set(args.batches)) < 2:
        parser.error('--batches needs two sizes at least (the fit table uses the per-sample slope)')
    device = torch.device(args.device)
    memory_device = torch.device('meta') if device.type == 'cpu' else device
    method = ('meta device, TensorMemoryTracker (live tensor storages)' if device.type == 'cpu'
              else 'torch.cuda.max_memory_allocated')
    memory_rows, time_rows, fit_rows = [], [], []
    skipped = []
    for config in args.configs:
        models = {cp: _model(config, cp, memory_device) for cp in (False, True)}
        weights = _weight_bytes(models[False])
        try:
            step_memory(models[False], 1, 32, memory_device)
        except NotImplementedError as error:  # e.g. CLIP-RPN's routing groups the batch with torch.unique
            skipped.append(f'{config}: {str(error).split(":")[0]} has no meta kernel (data-dependent); '
                           'measure it on CUDA')
            patches = []
        else:
            patches = args.patches
        for patch in patches:
            peaks = {}
            for batch in args.batches:
                (kept0, peak0), (kept1, peak1) = (step_memory(models[cp], batch, patch, memory_device)
                                                  for cp in (False, True))
                peaks[batch] = peak1
                memory_rows.append([config, patch, batch, kept0 / GIB, kept1 / GIB, peak0 / GIB, peak1 / GIB,
                                    f'{100 * (1 - kept1 / kept0):.0f}%' if kept0 != float('inf') else '-'])
                print(markdown_table(['config', 'patch', 'batch', 'kept off (GiB)', 'kept on', 'peak off', 'peak on',
                                      'kept saved'], memory_rows[-1:]).splitlines()[-1], flush=True)
            no_cp = {b: row[5] * GIB for b, row in zip(args.batches, memory_rows[-len(args.batches):])}
            fit_rows.append([config, patch] + [f'{_largest_batch(weights, no_cp, gb)} / {_largest_batch(weights, peaks, gb)}'
                                               for gb in args.gpus_gb])
        del models
        if not args.no_timing:
            timed = [_model(config, cp, device) for cp in (False, True)]
            off, on = step_seconds(timed, args.time_batch, args.time_patch, device, args.repeats)
            time_rows.append([config, f'{args.time_batch} x {args.time_patch}²', off, on, f'{on / off:.2f}x'])
            print(markdown_table(['config', 'batch x patch', 's/step off', 's/step on', 'on / off'],
                                 time_rows[-1:]).splitlines()[-1], flush=True)
            del timed
    print(f'\n### Training memory per step, activation checkpointing off / on ({method}; weights excluded)\n')
    print(markdown_table(['config', 'patch', 'batch', 'kept off (GiB)', 'kept on (GiB)', 'peak off (GiB)',
                          'peak on (GiB)', 'kept memory saved'], memory_rows))
    print(f'\n### Largest batch per GPU, checkpointing off / on (estimate from the {method} figures, '
          'plus weights, gradients and AdamW moments; not confirmed on a GPU)\n')
    print(markdown_table(['config', 'patch'] + [f'{gb:g} GB' for gb in args.gpus_gb], fit_rows))
    for line in skipped:
        print(f'not sized: {line}')
    if time_rows:
        print(f'\n### Step time (forward, backward, AdamW), {device}, threads {torch.get_num_threads()}\n')
        print(markdown_table(['config', 'batch x patch', 's/step off', 's/step on', 'on / off'], time_rows))
    write_csv(args.out, ['config', 'patch', 'batch', 'kept_off_gib', 'kept_on_gib', 'peak_off_gib', 'peak_on_gib',
                         'kept_saved'], memory_rows)


if __name__ == '__main__':
    main()
