"""tools/train.py end to end on the tiny synthetic config (CPU)."""
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from derain_toolkit.engine.runner_utils import PreflightError
from derain_toolkit.checkpoints.safe_checkpoint import load_local_checkpoint

REPO = Path(__file__).resolve().parents[2]
TINY = str(REPO / 'configs' / 'restormer_tiny_synthetic.py')
# Small and fast: 32x32 images, 2 validation images, a log line per iteration.
FAST = ['train_dataloader.dataset.image_size=32', 'val_dataloader.dataset.image_size=32',
        'val_dataloader.dataset.num_samples=2', 'default_hooks.logger.interval=1']


def _train_argv(work_dir, *options: str, extra=()) -> list[str]:
    return [TINY, '--device', 'cpu', '--work-dir', str(work_dir), *extra, '--cfg-options', *FAST, *options]


def _logged_iters(work_dir: Path) -> list[int]:
    """Train iterations logged by the last run in ``work_dir``."""
    log = sorted(work_dir.glob('*/*.log'))[-1].read_text()
    return [int(i) for i in re.findall(r'Iter\(train\) \[\s*(\d+)/', log)]


def test_twenty_iterations_lower_the_loss(load_tool, one_thread, tmp_path):
    torch.manual_seed(0)
    runner = load_tool('train').main(_train_argv(
        tmp_path, 'train_cfg.max_iters=20', 'train_dataloader.dataset.num_samples=4',
        'default_hooks.checkpoint.interval=20'))
    losses = runner.message_hub.get_scalar('train/loss').data[0]  # every iteration's loss
    assert len(losses) == 20 and np.isfinite(losses).all()
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5])
    assert _logged_iters(tmp_path) == list(range(1, 21))
    log = sorted(tmp_path.glob('*/*.log'))[-1].read_text()
    assert 'eta:' in log and 'PSNR:' in log
    assert load_local_checkpoint(str(tmp_path / 'iter_20.pth'))['meta']['iter'] == 20
    assert (tmp_path / 'best_PSNR_iter_20.pth').is_file()  # best saving nests a step save: both atomic
    assert not list(tmp_path.glob('*.tmp'))


def test_killed_run_resumes_at_its_checkpoint(load_tool, one_thread, tmp_path):
    train = load_tool('train')
    # "Killed" after iteration 3: checkpoints every 2 iterations, none at the end.
    train.main(_train_argv(tmp_path, 'train_cfg.max_iters=3', 'default_hooks.checkpoint.interval=2',
                           'default_hooks.checkpoint.save_last=False', 'default_hooks.checkpoint.save_best=None'))
    assert (tmp_path / 'last_checkpoint').read_text().endswith('iter_2.pth')
    saved = load_local_checkpoint(str(tmp_path / 'iter_2.pth'))['state_dict']

    time.sleep(1.1)  # mmengine names the log folder by the second: keep the two runs' logs apart
    runner = train.main(_train_argv(tmp_path, 'train_cfg.max_iters=4', 'default_hooks.checkpoint.interval=2',
                                    extra=['--resume']))
    assert _logged_iters(tmp_path) == [3, 4]  # continued after iteration 2, not from scratch
    assert runner.iter == 4
    resumed = load_local_checkpoint(str(tmp_path / 'iter_4.pth'))
    assert resumed['meta']['iter'] == 4
    assert any(not torch.equal(resumed['state_dict'][k], v) for k, v in saved.items())


def test_amp_trains_in_bfloat16_on_cpu(load_tool, one_thread, tmp_path):
    runner = load_tool('train').main(_train_argv(tmp_path, 'train_cfg.max_iters=2', extra=['--amp']))
    assert type(runner.optim_wrapper).__name__ == 'CPUAmpOptimWrapper'
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').data[0]).all()


def test_missing_dataset_fails_before_the_model_is_built(load_tool, tmp_path, monkeypatch):
    train = load_tool('train')

    def build_runner(cfg):
        raise AssertionError('the runner (and the model) must not be built when the dataset is missing')

    monkeypatch.setattr(train.Runner, 'from_cfg', build_runner)
    with pytest.raises(PreflightError, match='expected one of these layouts'):
        train.main([str(REPO / 'configs' / 'restormer_rain100l.py'), '--device', 'cpu', '--work-dir', str(tmp_path),
                    '--cfg-options', f'train_dataloader.dataset.data_root={tmp_path / "Rain100L"}'])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.long
def test_torchrun_two_cpu_processes_with_gloo(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')
    command = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
               '--master_addr', '127.0.0.1', '--master_port', str(_free_port()),
               str(REPO / 'tools' / 'train.py'), TINY, '--launcher', 'pytorch', '--device', 'cpu',
               '--precision', 'fp32', '--work-dir', str(tmp_path), '--cfg-options', *FAST, 'train_cfg.max_iters=2',
               'train_dataloader.batch_size=2', 'default_hooks.checkpoint.interval=2']
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    log = sorted(tmp_path.glob('*/*.log'))[-1].read_text()
    assert 'Distributed training: True' in log
    assert "dist_cfg: {'backend': 'gloo'}" in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    assert 'Iter(val) [1/1]' in log  # 2 validation images split over the 2 ranks
    assert load_local_checkpoint(str(tmp_path / 'iter_2.pth'))['meta']['iter'] == 2


def test_device_cpu_hides_gpus_before_torch_starts(load_tool, monkeypatch):
    bootstrap = load_tool('_bootstrap')
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '0')
    bootstrap.hide_gpus_if_cpu_requested([TINY, '--device', 'auto'])
    assert os.environ['CUDA_VISIBLE_DEVICES'] == '0'
    bootstrap.hide_gpus_if_cpu_requested([TINY, '--amp', '--device', 'cpu'])
    assert os.environ['CUDA_VISIBLE_DEVICES'] == ''
    code = 'import torch, mmengine.device as d; print(torch.cuda.is_available(), d.get_device())'
    # On a GPU machine this is the real check: mmengine must pick the CPU.
    probe = subprocess.run([sys.executable, '-c', f'import sys; sys.argv += ["--device", "cpu"]; '
                            f'sys.path.insert(0, {str(REPO / "tools")!r}); import _bootstrap; {code}'],
                           capture_output=True, text=True, env=dict(os.environ, CUDA_VISIBLE_DEVICES='0'))
    assert probe.stdout.split() == ['False', 'cpu'], probe.stderr[-2000:]


def test_resume_from_a_corrupt_checkpoint_is_one_line_naming_the_file(run_as_script, tmp_path):
    (tmp_path / 'iter_2.pth').write_bytes(b'\x00' * 64)
    message = run_as_script('train', _train_argv(tmp_path / 'run', 'train_cfg.max_iters=1',
                                                 extra=['--resume', str(tmp_path / 'iter_2.pth')]))
    assert message.startswith(f"train.py: Checkpoint '{tmp_path / 'iter_2.pth'}' cannot be read") and '\n' not in message
    assert 'weights_only' not in message


def test_compile_flag_turns_on_mmengine_compile(load_tool, tmp_path):
    train = load_tool('train')
    plain = train.build_train_config(train.parse_args([TINY, '--device', 'cpu', '--work-dir', str(tmp_path)]))
    compiled = train.build_train_config(train.parse_args([TINY, '--device', 'cpu', '--work-dir', str(tmp_path),
                                                          '--compile']))
    assert not plain.get('compile') and compiled.compile is True
