"""The recipe's batch on any number of GPUs: gradient accumulation derived from the world size.

The papers' recipes assume 8 GPUs (Restormer: 8 x 8 patches of 128² in its first stage,
a global batch of 64). A config states the recipe's global batch (``global_batch_size``:
one number, or one per progressive stage of ``train_cfg.patch_schedule``), and
:func:`apply_recipe_batch` derives ``optim_wrapper.accumulative_counts`` =
global batch / (world size x per-GPU batch), so that on fewer GPUs each optimizer step
still averages the gradients of the recipe's batch. Everything the recipe counts in
optimizer steps stays in optimizer steps:

* the loop's iterations (``max_iters``, ``val_interval``, the stages' ``iters``) and the
  checkpoint interval are multiplied by the accumulation count (mmengine counts
  iterations, one forward/backward each);
* ``param_scheduler`` entries keep their recipe numbers: the
  ``OptimizerStepParamSchedulerHook`` steps them once per optimizer step, so the learning
  rate at optimizer step k is the recipe's.

Epoch-based recipes (CLIP-RPN, PReNet, MPRNet) only accumulate: an epoch is one pass over
the data at any batch, so ``max_epochs`` and the epoch schedules stay as they are.

Networks with BatchNorm in training mode are not equal under accumulation: each
forward normalises with the statistics of its own (smaller) batch, and the running
statistics are updated once per forward; the hook warns at the start of training.
"""
import os
from collections.abc import Sequence
from typing import Optional

from mmengine.config import Config


def _per_gpu_batches(cfg: Config) -> tuple[list[int], str]:
    """The per-GPU batch of each stage and the config key that sets it."""
    schedule = (cfg.get('train_cfg') or {}).get('patch_schedule')
    if schedule is not None:
        return list(schedule['batch_sizes']), 'train_cfg.patch_schedule.batch_sizes'
    return [int(cfg.train_dataloader.batch_size)], 'train_dataloader.batch_size'


def accumulation_count(global_batch: int | Sequence[int], per_gpu: Sequence[int], world_size: int,
                       per_gpu_key: str = 'train_dataloader.batch_size') -> int:
    """The accumulation count k with global batch = world size x per-GPU batch x k in every stage.

    Raises:
        ValueError: No such integer k (naming the keys and the sizes that would work).
    """
    targets = [int(global_batch)] * len(per_gpu) if isinstance(global_batch, int) else [int(g) for g in global_batch]
    if len(targets) != len(per_gpu):
        raise ValueError(f'global_batch_size needs one entry per stage of {per_gpu_key} ({len(per_gpu)}), '
                         f'got {targets}')
    counts = {target / (world_size * batch) for target, batch in zip(targets, per_gpu)}
    count = counts.pop()
    if counts or count < 1 or count != int(count):
        largest = [max(1, target // world_size) for target in targets]
        raise ValueError(
            f'global_batch_size {targets} is not {world_size} GPU(s) x {per_gpu_key}={list(per_gpu)} x one whole '
            f'accumulation count for every stage. Set {per_gpu_key} to a divisor of global_batch_size / '
            f'{world_size} that fits your GPU memory, the same fraction in every stage (at most {largest}).')
    return int(count)


def apply_recipe_batch(cfg: Config, world_size: int) -> Optional[str]:
    """Set the accumulation count and the iteration counts of ``cfg`` (in place) for ``world_size``.

    Args:
        cfg: A training config; nothing changes without ``global_batch_size``.
        world_size: Processes (GPUs) that train together.

    Returns:
        One log line saying what was chosen, or ``None`` when the config states no recipe batch.
    """
    global_batch = cfg.get('global_batch_size')
    if global_batch is None:
        return None
    per_gpu, key = _per_gpu_batches(cfg)
    count = accumulation_count(global_batch, per_gpu, world_size, key)
    train_cfg = cfg.train_cfg
    steps = train_cfg.get('max_iters')
    epochs = 'max_epochs' in train_cfg
    if count > 1:
        cfg.optim_wrapper.accumulative_counts = count
    if count > 1 and not epochs:
        train_cfg.max_iters = steps * count
        if 'val_interval' in train_cfg:
            train_cfg.val_interval *= count
        if 'patch_schedule' in train_cfg:
            train_cfg.patch_schedule.iters = [n * count for n in train_cfg.patch_schedule.iters]
        checkpoint = cfg.get('default_hooks', {}).get('checkpoint')
        if checkpoint is not None and not checkpoint.get('by_epoch', True) and 'interval' in checkpoint:
            checkpoint.interval *= count
        cfg.default_hooks.param_scheduler = dict(type='OptimizerStepParamSchedulerHook')
    globals_ = [int(global_batch)] * len(per_gpu) if isinstance(global_batch, int) else list(global_batch)
    line = (f'recipe batch: global {globals_} = {world_size} GPU(s) x {key} {per_gpu} x {count} accumulated '
            'iteration(s) per optimizer step; ')
    if epochs:
        return line + f'{train_cfg.max_epochs} epochs (an epoch is one pass over the data either way)'
    return line + (f'{steps} optimizer steps = {steps * count} iterations; the learning-rate schedule counts '
                   'optimizer steps')


def world_size_from_env(launcher: str) -> int:
    """The number of processes torchrun started (``WORLD_SIZE``), 1 without a launcher."""
    return int(os.environ.get('WORLD_SIZE', 1)) if launcher != 'none' else 1
