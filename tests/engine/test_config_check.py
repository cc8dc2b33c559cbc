"""Unknown config keys and non-numbers are reported before training, with the nearest known key (issue 17)."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from derain_toolkit import load_config
from derain_toolkit.engine.config_check import config_problems
from derain_toolkit.engine.runner_utils import PreflightError

REPO = Path(__file__).resolve().parents[2]
TINY = str(REPO / 'configs' / 'restormer_tiny_synthetic.py')
# Every family on its tiny and its Rain100H config, one ablation row of each paper, the plugin example.
CONFIGS = sorted([*REPO.glob('configs/*_tiny_synthetic.py'), *REPO.glob('configs/*_rain100h.py'),
                  *(sorted(REPO.glob(f'configs/{paper}_ablations/*.py'))[0] for paper in ('clip_rpn', 'ddsa')),
                  *REPO.glob('plugins/configs/*.py')])


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('derain_toolkit')


def _tiny_with(**options) -> Config:
    cfg = load_config(TINY)
    cfg.merge_from_dict(options)
    return cfg


def test_every_shipped_config_passes():
    assert len(CONFIGS) > 20
    problems = {str(path.relative_to(REPO)): config_problems(load_config(str(path))) for path in CONFIGS}
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize('options, expected', [
    ({'default_hooks.checkpoint.intervall': 2},
     "default_hooks.checkpoint.intervall: AtomicCheckpointHook has no option 'intervall'; did you mean 'interval'?"),
    ({'laod_from': 'work_dirs/x/iter_2.pth'}, "laod_from: not a config key (the Runner ignores it); did you mean 'load_from'?"),
    ({'train_cfg.max_iters': 'abc'}, "train_cfg.max_iters: expected a number (int), got 'abc'"),
    ({'optim_wrapper.optimizer.lr': 'abc'}, "optim_wrapper.optimizer.lr: expected a number (float), got 'abc'"),
    ({'model.backbone.dimm': 8}, "model.backbone.dimm: RestormerUNet has no option 'dimm'; did you mean 'dim'?"),
    ({'train_dataloader.batch_sise': 2}, "train_dataloader.batch_sise: a data loader has no option 'batch_sise'; "
                                         "did you mean 'batch_size'?"),
    ({'param_scheduler': [dict(type='LinearLR', start_factr=0.1)]},
     "param_scheduler[0].start_factr: LinearLR has no option 'start_factr'; did you mean 'start_factor'?"),
])
def test_typo_is_named_with_the_nearest_key(options, expected):
    problems = config_problems(_tiny_with(**options))
    assert len(problems) == 1 and problems[0].startswith(expected)


def test_a_variable_of_the_config_itself_is_not_a_typo():
    assert config_problems(_tiny_with(my_crop_size=64, num_val=3)) == []  # num_val: a key of a _base_ file


def test_train_refuses_before_building_the_runner(load_tool, tmp_path, monkeypatch):
    train = load_tool('train')
    monkeypatch.setattr(train.Runner, 'from_cfg', lambda cfg: pytest.fail('the runner must not be built'))
    with pytest.raises(PreflightError) as error:
        train.main([TINY, '--device', 'cpu', '--work-dir', str(tmp_path), '--cfg-options',
                    'default_hooks.checkpoint.intervall=2', 'laod_from=x.pth'])
    message = str(error.value)
    assert message.startswith('2 problem(s) before training can start')
    assert "did you mean 'interval'?" in message and "did you mean 'load_from'?" in message
