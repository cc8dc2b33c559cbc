"""The recipe's global batch on fewer GPUs: accumulation count, equal weights, the recipe's learning rate."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

from derain_toolkit.engine.recipe_batch import accumulation_count, apply_recipe_batch

REPO = Path(__file__).resolve().parents[2]
TINY = str(REPO / 'configs' / 'restormer_tiny_synthetic.py')
RESTORMER = REPO / 'configs' / 'restormer_rain13k.py'
FAST = ['train_dataloader.dataset.image_size=32', 'train_dataloader.dataset.num_samples=8',
        'val_dataloader.dataset.image_size=32', 'val_dataloader.dataset.num_samples=2',
        'train_dataloader.sampler.shuffle=False']


def test_accumulation_count_closes_the_gap_to_the_recipe_batch():
    assert accumulation_count(64, [8], world_size=8) == 1
    assert accumulation_count(64, [8], world_size=1) == 8
    assert accumulation_count(64, [4], world_size=2) == 8
    assert accumulation_count([64, 40, 32, 16, 8, 8], [8, 5, 4, 2, 1, 1], world_size=1) == 8
    with pytest.raises(ValueError, match=r'not 1 GPU\(s\) x train_dataloader.batch_size=\[3\]'):
        accumulation_count(64, [3], world_size=1)
    with pytest.raises(ValueError, match='the same fraction in every stage'):
        accumulation_count([64, 40], [8, 8], world_size=1)
    with pytest.raises(ValueError, match=r'at most \[4\]'):
        accumulation_count(64, [8], world_size=16)  # more GPUs than the recipe: smaller per-GPU batch


def test_restormer_recipe_on_one_gpu_keeps_its_schedule_in_optimizer_steps():
    """Restormer: 8 GPUs x [8, 5, 4, 2, 1, 1] patches; on 1 GPU every stage accumulates 8 iterations."""
    cfg = Config.fromfile(RESTORMER)
    assert cfg.global_batch_size == [64, 40, 32, 16, 8, 8]
    assert 'on 8 GPU(s)' not in apply_recipe_batch(Config.fromfile(RESTORMER), world_size=8)
    line = apply_recipe_batch(cfg, world_size=1)
    assert cfg.optim_wrapper.accumulative_counts == 8
    assert cfg.train_cfg.max_iters == 8 * 300000 and cfg.train_cfg.val_interval == 8 * 4000
    assert cfg.train_cfg.patch_schedule.iters == [8 * n for n in [92000, 64000, 48000, 36000, 36000, 24000]]
    assert cfg.train_cfg.patch_schedule.batch_sizes == [8, 5, 4, 2, 1, 1]
    assert cfg.default_hooks.checkpoint.interval == 8 * 4000
    assert [s.end for s in cfg.param_scheduler] == [92000, 300000]  # optimizer steps, as the recipe
    assert cfg.default_hooks.param_scheduler.type == 'OptimizerStepParamSchedulerHook'
    assert '8 accumulated' in line and '300000 optimizer steps = 2400000 iterations' in line


class _RecordStepLR(Hook):
    """The initial weights, and the learning rate of every optimizer step (before the schedulers move on)."""

    priority = 'HIGHEST'

    def __init__(self) -> None:
        self.lrs: list[float] = []
        self.initial: dict[str, torch.Tensor] = {}

    def before_train(self, runner) -> None:
        self.initial = {k: v.clone() for k, v in runner.model.state_dict().items()}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if runner.optim_wrapper.should_update():
            self.lrs.append(runner.optim_wrapper.get_lr()['lr'][0])


def _train(load_tool, work_dir: Path, batch: int, steps: int, global_batch: int, schedule: list[str]):
    train = load_tool('train')
    args = train.parse_args([TINY, '--device', 'cpu', '--work-dir', str(work_dir), '--cfg-options', *FAST,
                             f'train_dataloader.batch_size={batch}', f'global_batch_size={global_batch}',
                             f'train_cfg.max_iters={steps}', 'train_cfg.val_interval=1000',
                             'default_hooks.checkpoint.interval=1000', *schedule])
    cfg = train.build_train_config(args)
    recorder = _RecordStepLR()
    runner = train.Runner.from_cfg(cfg)
    runner.register_hook(recorder)
    runner.train()
    return runner, recorder


def test_one_step_at_batch_4_equals_two_accumulated_steps_at_batch_2(load_tool, tmp_path):
    """No BatchNorm in the tiny Restormer: the mean loss over 4 samples has the gradient of the two
    accumulated halves, each scaled by 1/2 (gradient clipping and AdamW see the same sum)."""
    torch.manual_seed(0)
    whole, record = _train(load_tool, tmp_path / 'whole', batch=4, steps=1, global_batch=4, schedule=[])
    torch.manual_seed(0)
    halves, _ = _train(load_tool, tmp_path / 'halves', batch=2, steps=1, global_batch=4, schedule=[])
    assert whole.iter == 1 and halves.iter == 2
    moved = 0.0
    for key, value in whole.model.state_dict().items():
        torch.testing.assert_close(halves.model.state_dict()[key], value, rtol=0, atol=1e-6, msg=key)
        moved = max(moved, (value - record.initial[key]).abs().max().item())
    assert moved > 1e-4  # the step moved the weights


def test_learning_rate_at_each_optimizer_step_is_the_recipes(load_tool, tmp_path):
    schedule = ['param_scheduler.0.end=2', 'param_scheduler.1.begin=2', 'param_scheduler.1.end=6',
                'param_scheduler.1.T_max=4']
    torch.manual_seed(0)
    recipe = _train(load_tool, tmp_path / 'recipe', batch=3, steps=6, global_batch=3, schedule=schedule)[1].lrs
    torch.manual_seed(0)
    runner, accumulated = _train(load_tool, tmp_path / 'accumulated', batch=1, steps=6, global_batch=3,
                                 schedule=schedule)
    accumulated = accumulated.lrs
    assert runner.iter == 18 and len(accumulated) == len(recipe) == 6
    assert accumulated == recipe
    assert len(set(recipe)) == 5  # warm-up then cosine: the rate moves at all but one step
