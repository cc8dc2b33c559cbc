"""A toy regression model and a factory of small iteration-based runners for the engine tests."""
import itertools
from typing import Callable, Optional

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset

_RUN_IDS = itertools.count()


class ToyModel(BaseModel):
    """Least squares y = w x on random data; ``nan_calls`` makes chosen loss calls (1-based) NaN."""

    def __init__(self, nan_calls: tuple[int, ...] = ()) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 1)
        self.nan_calls = set(nan_calls)
        self.loss_calls = 0

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        x = torch.stack(inputs)  # (B, 4)
        pred = self.linear(x)
        if mode != 'loss':
            return pred
        self.loss_calls += 1
        loss = (pred - x.sum(dim=1, keepdim=True)).pow(2).mean()
        if self.loss_calls in self.nan_calls:
            loss = loss * float('nan')
        return dict(loss=loss)


class ToyDataset(Dataset):
    def __init__(self, length: int = 16) -> None:
        generator = torch.Generator().manual_seed(0)
        self.data = torch.randn(length, 4, generator=generator)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.data[index])


@pytest.fixture
def toy_model() -> type[ToyModel]:
    """The ``ToyModel`` class (tests build it with their own ``nan_calls``)."""
    return ToyModel


@pytest.fixture
def toy_dataset() -> type[ToyDataset]:
    """The ``ToyDataset`` class (16 fixed random samples)."""
    return ToyDataset


@pytest.fixture
def make_runner(tmp_path) -> Callable[..., Runner]:
    """``make_runner(max_iters, model=None, **runner_kwargs)`` -> a Runner training ``ToyModel``."""

    def make(max_iters: int, model: Optional[BaseModel] = None, **kwargs) -> Runner:
        torch.manual_seed(0)
        kwargs.setdefault('work_dir', str(tmp_path / 'work_dir'))
        kwargs.setdefault('default_hooks', dict(checkpoint=dict(type='CheckpointHook', interval=1000)))
        kwargs.setdefault('train_cfg', dict(by_epoch=False, max_iters=max_iters))
        return Runner(
            model=model or ToyModel(),
            train_dataloader=dict(dataset=ToyDataset(), batch_size=4, num_workers=0,
                                  sampler=dict(type='InfiniteSampler', shuffle=True),
                                  collate_fn=dict(type='pseudo_collate')),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05)),
            default_scope='derain_toolkit',
            experiment_name=f'engine_test_{next(_RUN_IDS)}',
            **kwargs)

    return make
