"""ResumableEpochBasedTrainLoop: a run killed inside an epoch and resumed ends at exactly T,
with τ < T at every step, the same iterations and the same final weights as an uninterrupted run."""
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from torch import nn



class _Killed(Exception):
    pass


class _KillAt(Hook):
    """Stops the process-like run when iteration ``at`` (0-based) is about to start."""

    def __init__(self, at: int) -> None:
        self.at = at

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter == self.at:
            raise _Killed


class _ProgressRecorder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[int, int]] = []

    def set_training_progress(self, cur_iter: int, max_iters: int) -> None:
        self.calls.append((cur_iter, max_iters))


def _runner(work_dir, loop: str, toy_model, toy_dataset, resume: bool = False,
            kill_at=None) -> tuple[Runner, nn.Module]:
    """4 batches of 4 per epoch, 2 epochs (T = 8), shuffled by a seeded DefaultSampler, a checkpoint every 3
    iterations, an iteration-based LR schedule converted from epochs (as the CLIP-RPN schedule)."""
    torch.manual_seed(0)
    model = toy_model()
    model.recorder = _ProgressRecorder()
    hooks = [dict(type='TrainingProgressHook')] + ([_KillAt(kill_at)] if kill_at is not None else [])
    runner = Runner(
        model=model,
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=toy_dataset(), batch_size=4, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(type=loop, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        param_scheduler=[dict(type='CosineAnnealingLR', T_max=2, by_epoch=True, convert_to_iter_based=True)],
        default_hooks=dict(checkpoint=dict(type='AtomicCheckpointHook', interval=3, by_epoch=False)),
        custom_hooks=hooks,
        randomness=dict(seed=0),
        resume=resume,
        default_scope='derain_toolkit',
        experiment_name=f'{loop}_{resume}_{kill_at}')
    return runner, model


def test_killed_mid_epoch_and_resumed_run_ends_at_T_like_an_uninterrupted_run(tmp_path, toy_model, toy_dataset):
    reference, reference_model = _runner(tmp_path / 'reference', 'ResumableEpochBasedTrainLoop', toy_model,
                                         toy_dataset)
    reference.train()
    assert reference_model.recorder.calls == [(i, 8) for i in range(8)]

    killed, _ = _runner(tmp_path / 'run', 'ResumableEpochBasedTrainLoop', toy_model, toy_dataset, kill_at=4)
    with pytest.raises(_Killed):
        killed.train()  # the last checkpoint is iter_3.pth, inside epoch 0
    resumed, model = _runner(tmp_path / 'run', 'ResumableEpochBasedTrainLoop', toy_model, toy_dataset, resume=True)
    resumed.train()
    assert model.recorder.calls == [(i, 8) for i in range(3, 8)]  # τ = 3..7, never T
    assert resumed.iter == resumed.max_iters == 8 and resumed.epoch == 2
    assert model.loss_calls == 5
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, reference_model.state_dict()[name], rtol=0, atol=0, msg=name)


def test_mmengine_loop_replaying_the_partial_epoch_is_refused(tmp_path, toy_model, toy_dataset):
    killed, _ = _runner(tmp_path / 'run', 'EpochBasedTrainLoop', toy_model, toy_dataset, kill_at=4)
    with pytest.raises(_Killed):
        killed.train()
    resumed, model = _runner(tmp_path / 'run', 'EpochBasedTrainLoop', toy_model, toy_dataset, resume=True)
    with pytest.raises(RuntimeError, match='ResumableEpochBasedTrainLoop'):
        resumed.train()
    assert max(tau for tau, _ in model.recorder.calls) == 7  # it reached T before the guard stopped it
