"""Restormer's progressive patch training: the crop size grows and the batch shrinks with the iteration.

Restormer (Zamir et al., CVPR 2022), Sec. 3.3 "Progressive learning", as its official
code runs it (github.com/swz30/Restormer, ``basicsr/train.py``, the "Progressive
learning" block of the training loop, with ``Deraining/Options/Deraining_Restormer.yml``):
the dataloader always yields the largest batch of the largest patches
(``batch_size_per_gpu`` 8 at ``gt_size`` 384); at iteration ``τ + 1`` (1-based) in stage
``j`` (the first j with ``τ + 1 <= iters[0] + ... + iters[j]``; the last stage after
that), ``batch_sizes[j]`` samples are drawn without replacement from the batch and one
``patch_sizes[j]`` window, at the same random position for all of them, is cut from
the patches. The official stages are ``iters=[92000, 64000, 48000, 36000, 36000,
24000]``, ``patch_sizes=[128, 160, 192, 256, 320, 384]``, ``batch_sizes=[8, 5, 4, 2, 1,
1]`` per GPU.

Differences from the official code, none of which changes the distribution of batches:
the draws come from a NumPy generator seeded with ``(seed, τ)`` instead of Python's
global ``random`` (so a resumed run draws what the uninterrupted run drew), and the
window's corner is uniform over every valid position (the official
``int((384 - p) * random())`` never picks the last one).
"""
import bisect
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import numpy as np
import torch
from mmengine.logging import print_log


class ProgressivePatches:
    """Sub-sample and crop a collated training batch to the stage of the current iteration.

    Args:
        iters: Iterations of each stage (their sum is the official total, 300k).
        patch_sizes: Square patch side of each stage, at most the loaded patch size.
        batch_sizes: Samples per batch (per GPU) of each stage, at most the loaded batch size.
        seed: Seed of the per-iteration draws (the runner's seed).
    """

    def __init__(self, iters: Sequence[int], patch_sizes: Sequence[int], batch_sizes: Sequence[int],
                 seed: int = 0) -> None:
        if not len(iters) == len(patch_sizes) == len(batch_sizes) or not iters:
            raise ValueError('patch_schedule: iters, patch_sizes and batch_sizes need one entry per stage, got '
                             f'{len(iters)}, {len(patch_sizes)} and {len(batch_sizes)} entries')
        if min(iters) < 1 or min(patch_sizes) < 1 or min(batch_sizes) < 1:
            raise ValueError(f'patch_schedule: every stage needs positive iters, patch and batch sizes, got '
                             f'iters={list(iters)}, patch_sizes={list(patch_sizes)}, batch_sizes={list(batch_sizes)}')
        self.ends = np.cumsum(iters).tolist()  # 1-based last iteration of each stage
        self.patch_sizes = list(patch_sizes)
        self.batch_sizes = list(batch_sizes)
        self.seed = seed
        self._logged_stage: Optional[int] = None

    def stage(self, cur_iter: int) -> int:
        """Stage of the 0-based iteration ``cur_iter`` (the last stage once the schedule is over)."""
        return min(bisect.bisect_left(self.ends, cur_iter + 1), len(self.ends) - 1)

    def __call__(self, data_batch: Any, cur_iter: int) -> dict:
        """``data_batch`` (``pseudo_collate``: ``dict(inputs=[(3,H,W)], data_samples=dict(gt=[...], ...))``)
        cut to the stage of ``cur_iter``: a new dict, the per-sample lists sub-sampled and cropped."""
        if not isinstance(data_batch, Mapping) or not isinstance(data_batch.get('data_samples'), Mapping):
            raise TypeError('patch_schedule expects batches collated by pseudo_collate '
                            "(dict(inputs=[...], data_samples=dict(gt=[...], ...))); set the train_dataloader's "
                            "collate_fn=dict(type='pseudo_collate')")
        stage = self.stage(cur_iter)
        patch, batch = self.patch_sizes[stage], self.batch_sizes[stage]
        if stage != self._logged_stage:
            print_log(f'Progressive patches: stage {stage} from iteration {cur_iter + 1}: '
                      f'{patch}x{patch} patches, batch {batch} per GPU', logger='current')
            self._logged_stage = stage
        inputs, samples = list(data_batch['inputs']), data_batch['data_samples']
        height, width = inputs[0].shape[-2:]
        if len(inputs) < batch or min(height, width) < patch:
            raise ValueError(f'patch_schedule stage {stage} needs batches of at least {batch} patches of at least '
                             f'{patch}x{patch}, the dataloader gave {len(inputs)} of {height}x{width}: set '
                             'train_dataloader.batch_size to max(batch_sizes) and the PairedRandomCrop '
                             'patch_size to max(patch_sizes)')
        rng = np.random.default_rng([self.seed, cur_iter])
        chosen = rng.choice(len(inputs), size=batch, replace=False).tolist()
        top = int(rng.integers(0, height - patch + 1))
        left = int(rng.integers(0, width - patch + 1))

        def cut(image: torch.Tensor) -> torch.Tensor:
            return image[..., top:top + patch, left:left + patch]

        def pick(values: Any, crop: bool) -> Any:
            if not isinstance(values, (list, tuple)) or len(values) != len(inputs):
                return values
            return [cut(values[i]) if crop else values[i] for i in chosen]

        new_samples = {key: pick(value, crop=key == 'gt') for key, value in samples.items()}
        return dict(data_batch, inputs=pick(inputs, crop=True), data_samples=new_samples)
