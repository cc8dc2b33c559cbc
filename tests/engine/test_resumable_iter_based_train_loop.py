"""ResumableIterBasedTrainLoop (and ProgressiveIterBasedTrainLoop, its subclass): a run killed at iteration 7
and resumed from its iteration-5 checkpoint ends at exactly T = 8, trains on the samples the uninterrupted run
trained on from iteration 5, in the same order, never loads the 5 skipped batches, and ends with the same
weights."""
import types

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner, loops
from torch import nn
from torch.utils.data import DataLoader, Dataset

from derain_toolkit.engine.resumable_iter_based_train_loop import _index_batches_from


class _Killed(Exception):
    pass


class _Images(Dataset):
    """10 fixed random 1x4x4 images keyed by their index; remembers every index it loads (in this process)."""

    def __init__(self) -> None:
        self.images = torch.randn(10, 1, 4, 4, generator=torch.Generator().manual_seed(0))
        self.loaded: list[str] = []

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict:
        self.loaded.append(str(index))
        return dict(inputs=self.images[index], data_samples=dict(gt=self.images[index], key=str(index)))


class _Conv(BaseModel):
    """One 3x3 convolution regressing the horizontally flipped input: each step's gradient depends on the batch."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3, padding=1)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        batch = torch.stack(inputs)  # (B, 1, p, p)
        return dict(loss=(self.conv(batch) - batch.flip(-1)).pow(2).mean())


class _Recorder(Hook):
    """Records (iteration, sample keys) of every step; raises ``_Killed`` when iteration ``kill_at`` starts."""

    def __init__(self, kill_at=None) -> None:
        self.kill_at = kill_at
        self.steps: list[tuple[int, list[str]]] = []

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter == self.kill_at:
            raise _Killed
        self.steps.append((runner.iter, list(data_batch['data_samples']['key'])))


def _run(work_dir, loop: str, sampler: str, num_workers: int, resume: bool = False,
         kill_at=None) -> tuple[Runner, _Recorder]:
    """T = 8 iterations of 4 of the 10 images (a DefaultSampler pass is 3 batches: 4, 4, 2), a checkpoint
    every 5 iterations, SGD with momentum and an iteration-based LR decay."""
    torch.manual_seed(0)
    recorder = _Recorder(kill_at)
    train_cfg = dict(type=loop, max_iters=8)
    if loop == 'ProgressiveIterBasedTrainLoop':
        train_cfg['patch_schedule'] = dict(iters=[6, 2], patch_sizes=[2, 3], batch_sizes=[4, 2])
    runner = Runner(
        model=_Conv(),
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=_Images(), batch_size=4, num_workers=num_workers,
                              sampler=dict(type=sampler, shuffle=True), collate_fn=dict(type='pseudo_collate')),
        train_cfg=train_cfg,
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        param_scheduler=[dict(type='MultiStepLR', milestones=[5], gamma=0.5, by_epoch=False)],
        default_hooks=dict(checkpoint=dict(type='AtomicCheckpointHook', interval=5, by_epoch=False)),
        custom_hooks=[recorder],
        randomness=dict(seed=0),
        resume=resume,
        default_scope='derain_toolkit',
        experiment_name=f'{loop}_{sampler}_{num_workers}_{resume}_{kill_at}')
    return runner, recorder


@pytest.mark.parametrize('loop, sampler, num_workers', [
    ('ResumableIterBasedTrainLoop', 'InfiniteSampler', 0),  # the configs' sampler
    ('ResumableIterBasedTrainLoop', 'DefaultSampler', 0),  # resumed at batch 2 of pass 1 (passes 0, 1, 2)
    ('ProgressiveIterBasedTrainLoop', 'InfiniteSampler', 1),  # new patch stage after the resume; the
    # discarded iterator's worker drew 2 batches from the sampler
])
def test_killed_and_resumed_run_trains_on_the_same_batches_without_loading_the_skipped_ones(
        tmp_path, monkeypatch, loop, sampler, num_workers):
    monkeypatch.setattr(loops, 'time', types.SimpleNamespace(sleep=lambda seconds: None))  # mmengine waits 2 s a pass
    reference, reference_steps = _run(tmp_path / 'reference', loop, sampler, num_workers)
    reference.train()
    assert [step for step, _ in reference_steps.steps] == list(range(8))

    killed, _ = _run(tmp_path / 'run', loop, sampler, num_workers, kill_at=7)
    with pytest.raises(_Killed):
        killed.train()  # the last checkpoint is iter_5.pth
    resumed, resumed_steps = _run(tmp_path / 'run', loop, sampler, num_workers, resume=True)
    resumed.train()

    assert resumed.iter == resumed.max_iters == 8
    assert resumed_steps.steps == reference_steps.steps[5:]  # iterations 5..7, the same samples in the same order
    if num_workers == 0:  # loaded in this process: exactly the samples trained on, none of the skipped ones
        assert resumed.train_dataloader.dataset.loaded == [key for _, keys in resumed_steps.steps for key in keys]
    for name, value in resumed.model.state_dict().items():
        torch.testing.assert_close(value, reference.model.state_dict()[name], rtol=0, atol=0, msg=name)



def test_resume_with_an_unseeded_sampler_is_refused():
    """torch's RandomSampler order cannot be drawn again: the resume names the sampler to use instead."""
    with pytest.raises(TypeError, match="sampler=dict\\(type='InfiniteSampler'"):
        _index_batches_from(DataLoader(_Images(), batch_size=4, shuffle=True), 1)
