"""An epoch-based train loop that resumes mid-epoch where the checkpoint left off.

mmengine's ``EpochBasedTrainLoop`` restarts the checkpoint's epoch from its first batch:
resumed from an iteration checkpoint (``CheckpointHook(by_epoch=False)``) in the
middle of an epoch, it replays the batches already trained on and runs past
``max_iters`` (a run with T = 8 resumed at iteration 3 ends at "[9/8]"). For CLIP-RPN
this means extra steps at DLS's final exponent (Eq. 14 reads τ/T through
``TrainingProgressHook``) and at the final learning rate.

This loop skips the ``iter - epoch * len(dataloader)`` batches of the partial epoch
that were consumed before the checkpoint, so a resumed run ends at exactly
``max_iters`` with τ < T at every step, and the iteration-based LR schedule (restored
from the checkpoint) stays in step. The skipped batches are the same ones as in the
uninterrupted run because the sampler's order is a function of (seed, epoch)
(mmengine's ``DefaultSampler``, re-seeded by ``DistSamplerSeedHook``): the index
batches of the epoch are drawn again and the remaining ones are loaded by a one-off
DataLoader with the same dataset, workers and collate function (``_resume_batches.py``),
so the skipped batches are never loaded. Random augmentations come from the dataloader workers'
generators, which a resume does not restore: with random transforms the resumed
batches hold the same samples, augmented differently.

``patch_schedule`` (optional): Restormer's progressive patches, see
``progressive_patches.py``.
"""
import itertools
from typing import Optional, Union

from mmengine.logging import print_log
from mmengine.runner.loops import EpochBasedTrainLoop
from torch.utils.data import DataLoader

from derain_toolkit.engine._resume_batches import load_only
from derain_toolkit.engine.progressive_patches import ProgressivePatches
from derain_toolkit.registry import LOOPS


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` that skips the consumed batches of a resumed partial epoch.

    Args:
        runner: The runner.
        dataloader: The training dataloader or its config.
        max_epochs: Training epochs.
        val_begin: First epoch that validates.
        val_interval: Validation interval in epochs.
        dynamic_intervals: mmengine's ``(milestone, interval)`` list.
        patch_schedule: ``dict(iters=[...], patch_sizes=[...], batch_sizes=[...])`` for
            progressive patches, or ``None``.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, dict],
                 max_epochs: int,
                 val_begin: int = 1,
                 val_interval: int = 1,
                 dynamic_intervals: Optional[list[tuple[int, int]]] = None,
                 patch_schedule: Optional[dict] = None) -> None:
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval, dynamic_intervals)
        self.patches = ProgressivePatches(**patch_schedule, seed=runner.seed or 0) if patch_schedule else None

    def run_epoch(self) -> None:
        """One epoch, or the rest of it when resumed from a checkpoint taken inside it."""
        self.runner.call_hook('before_train_epoch')  # DistSamplerSeedHook sets the sampler's epoch here
        self.runner.model.train()
        consumed = self._iter - self._epoch * len(self.dataloader)
        if not 0 <= consumed <= len(self.dataloader):
            raise RuntimeError(f'Resumed at iteration {self._iter} of epoch {self._epoch}, which has '
                               f'{len(self.dataloader)} batches: the checkpoint was taken with another '
                               'dataset size or batch size; resume with the same train_dataloader')
        batches = self.dataloader
        if consumed:
            print_log(f'Resuming epoch {self._epoch} after its first {consumed} batches (already trained on)',
                      logger='current')
            batches = load_only(self.dataloader, itertools.islice(self.dataloader.batch_sampler, consumed, None))
        for idx, data_batch in enumerate(batches, start=consumed):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def run_iter(self, idx: int, data_batch: dict) -> None:
        """One step, on the progressive-patch cut of the batch when a schedule is set."""
        if self.patches is not None:
            data_batch = self.patches(data_batch, self._iter)
        super().run_iter(idx, data_batch)
