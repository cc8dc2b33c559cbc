"""mmengine's iteration-based train loop with Restormer's progressive patches.

Restormer Sec. 3.3 and its official ``basicsr/train.py``: see ``progressive_patches.py``
for the schedule and how a batch is cut. The loop only cuts each loaded batch to the
stage of its iteration before the step; a resumed run skips the batches before the
checkpoint without loading them (``ResumableIterBasedTrainLoop``) and cuts every later
batch as the uninterrupted run does, because the draws depend on (seed, iteration) only.

Config (the official Deraining_Restormer.yml values)::

    train_cfg = dict(type='ProgressiveIterBasedTrainLoop', max_iters=300000, val_interval=4000,
                     patch_schedule=dict(iters=[92000, 64000, 48000, 36000, 36000, 24000],
                                         patch_sizes=[128, 160, 192, 256, 320, 384],
                                         batch_sizes=[8, 5, 4, 2, 1, 1]))
"""
from typing import Optional, Union

from torch.utils.data import DataLoader

from derain_toolkit.engine.progressive_patches import ProgressivePatches
from derain_toolkit.engine.resumable_iter_based_train_loop import ResumableIterBasedTrainLoop
from derain_toolkit.registry import LOOPS


@LOOPS.register_module()
class ProgressiveIterBasedTrainLoop(ResumableIterBasedTrainLoop):
    """``ResumableIterBasedTrainLoop`` whose batches are cut by a progressive patch schedule.

    Args:
        runner: The runner.
        dataloader: The training dataloader or its config; its batches must hold
            ``max(batch_sizes)`` patches of ``max(patch_sizes)`` pixels.
        max_iters: Training iterations.
        val_begin: First iteration that validates.
        val_interval: Validation interval in iterations.
        dynamic_intervals: mmengine's ``(milestone, interval)`` list.
        patch_schedule: ``dict(iters=[...], patch_sizes=[...], batch_sizes=[...])``.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, dict],
                 max_iters: int,
                 patch_schedule: dict,
                 val_begin: int = 1,
                 val_interval: int = 1000,
                 dynamic_intervals: Optional[list[tuple[int, int]]] = None) -> None:
        super().__init__(runner, dataloader, max_iters, val_begin, val_interval, dynamic_intervals)
        self.patches = ProgressivePatches(**patch_schedule, seed=runner.seed or 0)

    def run_iter(self, data_batch: dict) -> None:
        """One step on the batch cut to the stage of this iteration."""
        super().run_iter(self.patches(data_batch, self._iter))
