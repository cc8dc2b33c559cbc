import pytest
import torch

from derain_toolkit.engine.nan_guard_hook import NaNGuardHook


def test_stop_names_the_iteration_and_keeps_weights_finite(make_runner, toy_model):
    model = toy_model(nan_calls=(3,))
    runner = make_runner(6, model=model, custom_hooks=[dict(type='NaNGuardHook', action='stop')])
    with pytest.raises(FloatingPointError, match=r'non-finite loss \(nan\) at iteration 3 '):
        runner.train()
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert runner.iter == 2  # iterations 1 and 2 completed


def test_skip_drops_the_step_and_training_goes_on(make_runner, toy_model):
    model = toy_model(nan_calls=(2, 4))
    hook = NaNGuardHook(action='skip')
    runner = make_runner(6, model=model, custom_hooks=[hook])
    runner.train()
    assert hook.skipped_iters == [2, 4]
    assert runner.iter == 6
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_without_guard_nan_poisons_the_weights(make_runner, toy_model):
    model = toy_model(nan_calls=(2,))
    make_runner(3, model=model).train()
    assert not all(torch.isfinite(p).all() for p in model.parameters())


def test_unknown_action_is_rejected():
    with pytest.raises(ValueError, match="'stop' to end the run"):
        NaNGuardHook(action='ignore')
