"""Frozen pre-trained weights rebuilt from their source (the CLIP of CLIP-RPN and DA-CLIP) are left
out of training checkpoints; resume, load_from (tools/test.py) and load_model still give the model."""
from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from derain_toolkit import build_model
from derain_toolkit.checkpoints.import_checkpoint import CheckpointMismatchError
from derain_toolkit.checkpoints.safe_checkpoint import load_local_checkpoint
from derain_toolkit.inference import derain_image, load_model
from derain_toolkit.models.layers.open_clip_loader import TINY_CLIP

REPO = Path(__file__).resolve().parents[2]
CLIP_RPN = str(REPO / 'configs' / 'clip_rpn_tiny_synthetic.py')
DACLIP = str(REPO / 'configs' / 'irsde_daclip_tiny_synthetic.py')


def _tiny_clip_file(config: str, clip_key: str, tmp_path: Path) -> str:
    """Save the toolkit's tiny CLIP (random, seeded) as a local open_clip file: a source to rebuild it from."""
    torch.manual_seed(0)
    clip = open_clip.CLIP(**TINY_CLIP)
    path = tmp_path / f'{clip_key}.pt'
    torch.save(clip.state_dict(), path)
    return str(path)


def _train(load_tool, config: str, work_dir: Path, options: list[str], extra: list[str] = ()):
    return load_tool('train').main([config, '--work-dir', str(work_dir), '--device', 'cpu', *extra,
                                    '--cfg-options', *options])


@pytest.mark.parametrize('config, clip_prefix, pretrained_key, clip_name', [
    (CLIP_RPN, 'backbone.router.clip', 'model.backbone.router.pretrained', 'ViT-B-32'),
    (DACLIP, 'generator.daclip.clip', 'model.generator.daclip.pretrained', 'tiny-vit'),
], ids=['clip_rpn', 'daclip'])
def test_checkpoints_leave_clip_out_and_still_load(load_tool, one_thread, tmp_path, config, clip_prefix,
                                                   pretrained_key, clip_name):
    clip_file = _tiny_clip_file(config, 'tiny_clip', tmp_path)
    options = [f'{pretrained_key}={clip_file}', 'train_cfg.max_iters=2', 'train_cfg.val_interval=100',
               'default_hooks.checkpoint.interval=2', 'default_hooks.checkpoint.save_best=None',
               'train_dataloader.dataset.num_samples=4', 'train_dataloader.batch_size=2',
               'test_dataloader.dataset.num_samples=1', 'val_dataloader.dataset.num_samples=1']
    runner = _train(load_tool, config, tmp_path / 'run', options)
    saved = load_local_checkpoint(str(tmp_path / 'run' / 'iter_2.pth'))
    trained = runner.model.state_dict()
    clip_keys = [key for key in trained if key.startswith(f'{clip_prefix}.')]
    assert clip_keys and not any(key.startswith(f'{clip_prefix}.') for key in saved['state_dict'])
    assert set(saved['state_dict']) == set(trained) - set(clip_keys)  # nothing else left out
    assert saved['meta']['weights_from_source'] == {clip_prefix: f'open_clip {clip_name} pretrained={clip_file!r}'}

    cfg = Config.fromfile(config)
    cfg.merge_from_dict(dict(o.split('=', 1) for o in options[:1]))
    loaded = load_model(cfg, tmp_path / 'run' / 'iter_2.pth', device='cpu')
    assert all(torch.equal(value, trained[key]) for key, value in loaded.state_dict().items())
    if config == CLIP_RPN:  # the same derained image as the in-memory model (routes through the rebuilt CLIP)
        image = np.random.default_rng(0).random((32, 32, 3), dtype=np.float32)
        np.testing.assert_array_equal(derain_image(loaded, image), derain_image(runner.model.eval(), image))

    if config == DACLIP:  # resume and tools/test.py read checkpoints through the same hook: checked once, below
        return
    test_tool = load_tool('test')  # tools/test.py: load_from through the checkpoint hook
    test_cfg = test_tool.build_test_config(test_tool.parse_args(
        [config, str(tmp_path / 'run' / 'iter_2.pth'), '--out', str(tmp_path / 'test'), '--device', 'cpu',
         '--cfg-options', *options]))
    tester = Runner.from_cfg(test_cfg)
    tester.test()
    assert all(torch.equal(value, trained[key]) for key, value in tester.model.state_dict().items())

    resumed = _train(load_tool, config, tmp_path / 'run', [*options[:1], 'train_cfg.max_iters=3', *options[2:]],
                     extra=['--resume'])
    assert resumed.iter == 3


def test_keep_frozen_weights_flag_keeps_them(load_tool, tmp_path):
    from types import SimpleNamespace

    from derain_toolkit.engine.atomic_checkpoint_hook import AtomicCheckpointHook

    tool = load_tool('train')
    cfg = tool.build_train_config(tool.parse_args([CLIP_RPN, '--keep-frozen-weights', '--device', 'cpu']))
    assert cfg.default_hooks.checkpoint.keep_frozen_weights is True
    cfg.default_hooks.checkpoint.pop('type')
    clip_file = _tiny_clip_file(CLIP_RPN, 'tiny_clip', tmp_path)
    model_cfg = Config.fromfile(CLIP_RPN)
    model_cfg.merge_from_dict({'model.backbone.router.pretrained': clip_file})
    runner = SimpleNamespace(model=build_model(model_cfg))
    all_keys = set(runner.model.state_dict())
    without_clip = {key for key in all_keys if not key.startswith('backbone.router.clip.')}
    for keep, kept_keys in ((True, all_keys), (False, without_clip)):
        checkpoint = dict(meta={}, state_dict=runner.model.state_dict())
        AtomicCheckpointHook(**dict(cfg.default_hooks.checkpoint, keep_frozen_weights=keep)).before_save_checkpoint(
            runner, checkpoint)
        assert set(checkpoint['state_dict']) == kept_keys


def test_other_missing_keys_stay_errors(tmp_path):
    clip_file = _tiny_clip_file(CLIP_RPN, 'tiny_clip', tmp_path)
    cfg = Config.fromfile(CLIP_RPN)
    cfg.merge_from_dict({'model.backbone.router.pretrained': clip_file})

    state = {k: v for k, v in build_model(cfg).state_dict().items()
             if not k.startswith('backbone.router.clip.') and k != 'backbone.backbone.output.weight'}
    torch.save(dict(state_dict=state), tmp_path / 'partial.pth')
    with pytest.raises(CheckpointMismatchError, match=r"1 keys of the model missing.*backbone\.backbone\.output"):
        load_model(cfg, tmp_path / 'partial.pth', device='cpu')
    random_clip = Config.fromfile(CLIP_RPN)  # a random CLIP has no source to rebuild it from: its keys are required
    with pytest.raises(CheckpointMismatchError, match=r"keys of the model missing.*backbone\.router\.clip\."):
        load_model(random_clip, tmp_path / 'partial.pth', device='cpu')
