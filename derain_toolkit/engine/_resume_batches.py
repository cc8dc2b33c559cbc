"""Resuming a train loop without loading the batches trained on before the checkpoint.

Shared by ``ResumableEpochBasedTrainLoop`` and ``ResumableIterBasedTrainLoop``. mmengine
fast-forwards a resumed loop by loading (reading, decoding, augmenting) every skipped
batch; the resumable loops instead draw the index batches again from the seeded sampler
(integers only) and hand the remaining ones to :func:`load_only`.
"""
from collections.abc import Iterable

from torch.utils.data import DataLoader


def load_only(dataloader: DataLoader, index_batches: Iterable[list[int]]) -> DataLoader:
    """A one-off DataLoader that loads exactly ``index_batches``, in order, as ``dataloader`` would
    (same dataset, workers, collate function and worker seeding)."""
    return DataLoader(
        dataloader.dataset,
        batch_sampler=index_batches,
        num_workers=dataloader.num_workers,
        collate_fn=dataloader.collate_fn,
        pin_memory=dataloader.pin_memory,
        timeout=dataloader.timeout,
        worker_init_fn=dataloader.worker_init_fn,
        multiprocessing_context=dataloader.multiprocessing_context,
        generator=dataloader.generator,
        prefetch_factor=dataloader.prefetch_factor)
