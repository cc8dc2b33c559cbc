import torch
from mmengine.model import MMDistributedDataParallel
from torch import nn

from derain_toolkit.engine.training_progress_hook import TrainingProgressHook
from derain_toolkit.models.losses.dls_loss import DLSLoss


class _ProgressRecorder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[int, int]] = []

    def set_training_progress(self, cur_iter: int, max_iters: int) -> None:
        self.calls.append((cur_iter, max_iters))


def test_every_iteration_sees_tau_and_T(make_runner, toy_model):
    model = toy_model()
    model.recorder = _ProgressRecorder()
    runner = make_runner(5, model=model, custom_hooks=[dict(type='TrainingProgressHook')])
    runner.train()
    assert model.recorder.calls == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5)]


class _FakeRunner:
    def __init__(self, model: nn.Module, cur_iter: int, max_iters: int) -> None:
        self.model, self.iter, self.max_iters = model, cur_iter, max_iters


def test_dls_loss_exponent_follows_progress_through_ddp_wrapper(toy_model):
    model = toy_model()
    model.dls = DLSLoss(beta=0.8, eta=2.3)
    # A DDP wrapper without a process group: only ``.module`` matters to the hook.
    wrapper = MMDistributedDataParallel.__new__(MMDistributedDataParallel)
    nn.Module.__init__(wrapper)
    wrapper.module = model
    hook = TrainingProgressHook()
    hook.before_train_iter(_FakeRunner(wrapper, 0, 100), batch_idx=0)
    assert (model.dls.cur_iter, model.dls.max_iters) == (0, 100)
    assert model.dls.exponent == 0.8
    hook.before_train_iter(_FakeRunner(wrapper, 50, 100), batch_idx=50)
    assert abs(model.dls.exponent - (0.8 + 2.3 * 0.5)) < 1e-12
    pred, target = torch.full((1, 3, 2, 2), 0.5), torch.zeros(1, 3, 2, 2)
    expected = (0.25 + 1e-6) ** (model.dls.exponent / 2) - 1e-3 ** model.dls.exponent
    assert torch.allclose(model.dls(pred, target), torch.tensor(expected))
