"""An iteration-based train loop that resumes without loading the batches it skips.

mmengine's ``IterBasedTrainLoop`` resumes at iteration k by calling ``next()`` on its
dataloader iterator k times: every batch trained on before the checkpoint is read,
decoded and augmented again and thrown away. Near the end of Restormer's recipe (300k
iterations of 8 patches of 384) that is hours of data loading before the first step.

This loop draws the first k index batches again from the seeded sampler (integers
only) and loads the rest through a one-off DataLoader with the same dataset, workers
and collate function (``_resume_batches.py``), so a resumed run trains on the batches
the uninterrupted run trained on from iteration k, in the same order:

* ``InfiniteSampler`` (``configs/_base_/datasets/paired_dataloaders.py``): one endless
  index stream drawn from ``(seed, rank, world_size)``, so the stream is rewound to its
  first index (the dataloader iterator mmengine builds before the checkpoint is read
  may have drawn from it to feed its workers) and advanced by ``k * batch_size``
  indices.
* ``DefaultSampler``: mmengine's ``_InfiniteDataloaderIterator`` restarts the dataloader
  at the end of each pass with the sampler's epoch set to the pass number, the order
  of pass e being a function of ``seed + e``; the loop skips ``k // len(dataloader)``
  whole passes by count and the first ``k % len(dataloader)`` index batches of the
  next, and continues with the same epoch numbering.

Distributed: each rank's sampler yields its own share (``rank::world_size``) of the
shared order and every rank consumed k of its batches before the checkpoint, so every
rank skips k of its own batches; nothing is exchanged between ranks.

A run that is not resumed is mmengine's loop unchanged. What a resume does not restore,
as in mmengine: the random state of augmentations (the workers restart from their
seeds), so the resumed batches hold the same samples, augmented differently. Loading
with workers, the iterator mmengine builds at construction prefetches up to
``prefetch_factor * num_workers`` batches before it is dropped.
"""
import itertools
from collections.abc import Iterable, Iterator

from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmengine.logging import print_log
from mmengine.runner.loops import IterBasedTrainLoop
from torch import nn
from torch.utils.data import DataLoader

from derain_toolkit.engine._resume_batches import load_only
from derain_toolkit.registry import LOOPS


def _index_batches_from(dataloader: DataLoader, start: int) -> Iterator[list[int]]:
    """The index batches an uninterrupted run loads from iteration ``start`` on, drawn without loading."""
    batch_sampler = dataloader.batch_sampler
    sampler = getattr(batch_sampler, 'sampler', None)
    if isinstance(sampler, InfiniteSampler):
        sampler.indices = sampler._indices_of_rank()  # rewound to the first index of (seed, rank)
        return itertools.islice(batch_sampler, start, None)
    if isinstance(sampler, DefaultSampler):
        return _passes_from(batch_sampler, sampler, *divmod(start, len(batch_sampler)))
    raise TypeError(f'ResumableIterBasedTrainLoop resumes by drawing the skipped index batches again from a seeded '
                    f'InfiniteSampler or DefaultSampler, the train_dataloader samples with {type(sampler).__name__}: '
                    "set train_dataloader.sampler=dict(type='InfiniteSampler', shuffle=True)")


def _passes_from(batch_sampler: Iterable[list[int]], sampler: DefaultSampler, first_pass: int,
                 consumed: int) -> Iterator[list[int]]:
    """Passes over ``batch_sampler`` from pass ``first_pass`` after its first ``consumed`` batches, the sampler's
    epoch set to the pass number as ``_InfiniteDataloaderIterator`` sets it (the first pass keeps the hooks' 0)."""
    for epoch in itertools.count(first_pass):
        if epoch:
            sampler.set_epoch(epoch)
        yield from itertools.islice(batch_sampler, consumed if epoch == first_pass else 0, None)


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """``IterBasedTrainLoop`` whose resume skips the batches before the checkpoint by index instead of loading them.

    Args: those of mmengine's ``IterBasedTrainLoop`` (``max_iters``, ``val_begin``,
    ``val_interval``, ``dynamic_intervals``).
    """

    def run(self) -> nn.Module:
        """mmengine's loop; a resumed one continues from the checkpoint's iteration without loading the batches
        before it."""
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')  # the whole run is one "epoch", as in mmengine
        if self._iter > 0:
            print_log(f'Resuming at iteration {self._iter}: its {self._iter} earlier batches are skipped by index, '
                      'not loaded', logger='current')
            self.dataloader_iterator = iter(load_only(self.dataloader,
                                                      _index_batches_from(self.dataloader, self._iter)))
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            self.run_iter(next(self.dataloader_iterator))
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0 or self._iter == self._max_iters)):
                self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model
