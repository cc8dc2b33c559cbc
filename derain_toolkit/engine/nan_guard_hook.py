"""Never train on a NaN or Inf loss (issue #7, training safety).

The guard wraps ``optim_wrapper.update_params`` at the start of training, so the
check runs on the total loss *before* backward and the optimiser step: with
``action='stop'`` the run ends with the weights of the last finite step intact, with
``action='skip'`` the step is dropped (no backward, no update) and training goes on.
Under DDP every rank takes the same decision (the non-finite flag is all-reduced),
so no rank waits forever in a gradient all-reduce that another rank skipped.
"""
import torch
import torch.distributed as torch_dist
from mmengine.dist import is_distributed
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapperDict

from derain_toolkit.registry import HOOKS

_ACTIONS = ('stop', 'skip')


def _finite_on_all_ranks(loss: torch.Tensor) -> bool:
    """True when ``loss`` is finite on this rank and on every other rank."""
    non_finite = (~torch.isfinite(loss.detach())).any().to(torch.int32).reshape(1)
    if is_distributed():
        torch_dist.all_reduce(non_finite, op=torch_dist.ReduceOp.MAX)
    return not bool(non_finite.item())


@HOOKS.register_module()
class NaNGuardHook(Hook):
    """Stop the run, or skip the step, when the training loss is NaN or Inf.

    Args:
        action: ``'stop'`` raises ``FloatingPointError`` naming the iteration (1-based,
            as in the log's ``Iter(train) [k/N]``); ``'skip'`` drops the update, logs a
            warning naming the iteration and records it in ``skipped_iters``. With
            gradient accumulation a skipped step does not count towards the
            accumulation window.
    """

    priority = 'VERY_HIGH'

    def __init__(self, action: str = 'stop') -> None:
        if action not in _ACTIONS:
            raise ValueError(f"NaNGuardHook: expected action in {_ACTIONS}, got {action!r}; "
                             "use 'stop' to end the run or 'skip' to drop the step.")
        self.action = action
        self.skipped_iters: list[int] = []

    def before_train(self, runner) -> None:
        """Wrap ``update_params`` of every optimiser wrapper of the runner."""
        wrappers = runner.optim_wrapper
        wrappers = wrappers.values() if isinstance(wrappers, OptimWrapperDict) else [wrappers]
        for wrapper in wrappers:
            self._guard(runner, wrapper)

    def _guard(self, runner, wrapper) -> None:
        update_params = wrapper.update_params

        def guarded_update_params(loss: torch.Tensor, *args, **kwargs) -> None:
            if _finite_on_all_ranks(loss):
                update_params(loss, *args, **kwargs)
                return
            iteration = runner.iter + 1
            if self.action == 'skip':
                self.skipped_iters.append(iteration)
                runner.logger.warning(
                    f'NaNGuardHook: non-finite loss ({loss.item()}) at iteration {iteration}; '
                    f'step skipped ({len(self.skipped_iters)} skipped so far).')
                wrapper.zero_grad()
                return
            message = (
                f'NaNGuardHook: non-finite loss ({loss.item()}) at iteration {iteration} '
                f'(runner.iter={runner.iter}); training stopped before the update, so the '
                'weights are those of the last finite step. Fix: lower the learning rate, '
                'enable gradient clipping (optim_wrapper.clip_grad=dict(max_norm=...)), or '
                "use NaNGuardHook(action='skip') to drop such steps.")
            runner.logger.error(message)
            raise FloatingPointError(message)

        wrapper.update_params = guarded_update_params
