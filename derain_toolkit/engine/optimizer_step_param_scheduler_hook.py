"""Step the iteration-based learning-rate schedule once per optimizer step, not per iteration.

mmengine's ``ParamSchedulerHook`` steps every ``by_epoch=False`` scheduler after every
iteration; with gradient accumulation (``optim_wrapper.accumulative_counts = k``) that
runs the schedule k times too fast. This hook steps them only after the iterations in
which the optimizer stepped, so a recipe's schedule, written in optimizer steps, stays
the recipe's on fewer GPUs (``derain_toolkit/engine/recipe_batch.py``). Epoch-based
schedulers step per epoch as before.
"""
from typing import Optional

from mmengine.hooks import ParamSchedulerHook
from mmengine.logging import print_log
from torch import nn

from derain_toolkit.registry import HOOKS


@HOOKS.register_module()
class OptimizerStepParamSchedulerHook(ParamSchedulerHook):
    """``ParamSchedulerHook`` whose iteration-based schedulers advance with the optimizer."""

    def before_train(self, runner) -> None:
        counts = getattr(runner.optim_wrapper, '_accumulative_counts', 1)
        model = getattr(runner.model, 'module', runner.model)
        if counts > 1 and any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules()):
            print_log(f'{type(model).__name__} has BatchNorm: with {counts} accumulated iterations per optimizer '
                      'step each forward normalises its own smaller batch, so training is not equal to the '
                      "recipe's batch (the running statistics are updated once per iteration)",
                      logger='current', level=30)

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if runner.optim_wrapper.should_update():
            super().after_train_iter(runner, batch_idx, data_batch, outputs)
