"""Feed the training progress (τ, T) of CLIP-RPN's dynamic loss scheduling to the model.

CLIP-RPN Sec. 3.4, Eq. (14) (DLS): the loss weights depend on the current iteration τ = 0, 1, ..., T
and on T, "a constant determined after specifying the training dataset size, epoch,
and batch size". The runner knows both: τ = ``runner.iter`` (0 at the first
iteration) and T = ``runner.max_iters`` (for epoch-based loops mmengine sets it to
``max_epochs * len(train_dataloader)``, i.e. exactly the paper's T).

A step with τ ≥ T would train past the schedule (DLS's exponent beyond its final
value, the LR schedule over): it happens when mmengine's ``EpochBasedTrainLoop``
resumes from a checkpoint taken inside an epoch and replays the partial epoch. The
hook refuses such a step and names the fix, ``ResumableEpochBasedTrainLoop``.
"""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from derain_toolkit.registry import HOOKS


@HOOKS.register_module()
class TrainingProgressHook(Hook):
    """Call ``set_training_progress(runner.iter, runner.max_iters)`` before every train step.

    Every sub-module of the model (unwrapped from DDP and other wrappers) that defines a
    callable ``set_training_progress`` is updated, e.g. ``DLSLoss``. It runs with
    ``VERY_HIGH`` priority so the losses see the new τ before anything else happens in
    the iteration.
    """

    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        """Update every progress-aware module with (τ, T); raise when τ has reached T."""
        if runner.iter >= runner.max_iters:
            raise RuntimeError(
                f'Training step τ={runner.iter} (0-based) but T=max_iters={runner.max_iters}: the loop runs past '
                f'its schedule. {type(runner.train_loop).__name__} replays the partial epoch when resumed from a '
                "checkpoint taken inside an epoch; set train_cfg.type='ResumableEpochBasedTrainLoop'.")
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        for module in model.modules():
            setter = getattr(module, 'set_training_progress', None)
            if callable(setter):
                setter(runner.iter, runner.max_iters)
