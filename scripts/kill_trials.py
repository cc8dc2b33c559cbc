"""Kill trials: ``kill -9`` a real ``tools/train.py`` run at chosen moments, resume it, report what survived.

Usage::

    python scripts/kill_trials.py [--trials step=3,best=3,random=5] [--out work_dirs/kill_trials]

Each trial trains ``configs/restormer_tiny_synthetic.py`` shrunk to 32x32 images for 12
iterations (a checkpoint and a validation every 2 iterations, the best by PSNR, two step
checkpoints kept), kills it with SIGKILL at one moment, lists the files left, then runs
``tools/train.py --resume`` to the end and reads from its log where it continued.

Moments: ``step`` while an ``iter_N.pth`` is being written, ``best`` while a
``best_PSNR_iter_N.pth`` is being written (the k-th such write for trial k), ``random`` at
a uniformly random time within 20 s after iteration 1 is logged. To land inside a write, the killed process writes checkpoint
files in 8 chunks 60 ms apart (only the timing changes) and the kill is sent once the
``.tmp`` file has its first chunk. The table printed at the end is what docs/faults.md shows.
"""
import argparse
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OPTIONS = ['train_dataloader.dataset.image_size=32', 'val_dataloader.dataset.image_size=32',
           'val_dataloader.dataset.num_samples=2', 'train_dataloader.dataset.num_samples=8',
           'default_hooks.logger.interval=1', 'train_cfg.max_iters=12', 'train_cfg.val_interval=2',
           'default_hooks.checkpoint.interval=2', 'default_hooks.checkpoint.max_keep_ckpts=2']


def child(pattern: str, train_args: list[str]) -> None:
    """Run tools/train.py in this process; checkpoint files matching ``pattern`` are written slowly."""
    if pattern:
        from mmengine.fileio import LocalBackend
        put = LocalBackend.put

        def slow_put(self, obj: bytes, filepath) -> None:
            if not re.match(pattern, os.path.basename(str(filepath))):
                return put(self, obj, filepath)
            step = len(obj) // 8 + 1
            with open(filepath, 'wb') as handle:
                for start in range(0, len(obj), step):
                    handle.write(obj[start:start + step])
                    handle.flush()
                    time.sleep(0.06)

        LocalBackend.put = slow_put
    sys.path.insert(0, str(REPO / 'tools'))
    sys.argv = [str(REPO / 'tools' / 'train.py'), *train_args]
    import runpy
    runpy.run_path(sys.argv[0], run_name='__main__')


def _train_args(work_dir: Path, resume: bool) -> list[str]:
    return [str(REPO / 'configs' / 'restormer_tiny_synthetic.py'), '--device', 'cpu', '--precision', 'fp32',
            '--work-dir', str(work_dir), *(['--resume'] if resume else []), '--cfg-options', *OPTIONS]


def _start(work_dir: Path, pattern: str, resume: bool, log) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')
    return subprocess.Popen([sys.executable, __file__, 'child', pattern, '--', *_train_args(work_dir, resume)],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_for_write(work_dir: Path, prefix: str, occurrence: int, process: subprocess.Popen) -> str:
    """Wait until the ``occurrence``-th ``<prefix>*.tmp`` has data; return its name ('' if the run ended)."""
    seen: list[str] = []
    while process.poll() is None:
        for tmp in work_dir.glob(f'{prefix}*.pth.tmp'):
            if tmp.name not in seen and tmp.exists() and tmp.stat().st_size > 0:
                seen.append(tmp.name)
                if len(seen) == occurrence:
                    return tmp.name
        time.sleep(0.005)
    return ''


def _logged_iters(log_text: str) -> list[int]:
    return [int(i) for i in re.findall(r'Iter\(train\) \[\s*(\d+)/', log_text)]


def trial(kind: str, index: int, out: Path, rng: random.Random) -> dict:
    work_dir = out / f'{kind}_{index}'
    work_dir.mkdir(parents=True)
    pattern = {'step': r'iter_\d+\.pth', 'best': r'best_.*\.pth', 'random': ''}[kind]
    log_path = work_dir.parent / f'{kind}_{index}.killed.txt'
    with open(log_path, 'w') as log:
        process = _start(work_dir, pattern, False, log)
        if kind == 'random':
            while process.poll() is None and not _logged_iters(log_path.read_text()):
                time.sleep(0.05)
            delay = rng.uniform(0.0, 20.0)
            time.sleep(delay)
            moment = f'{delay:.1f} s after iteration 1'
        else:
            prefix = 'iter_' if kind == 'step' else 'best_'
            moment = _wait_for_write(work_dir, prefix, index, process) or 'ended before'
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
    killed_log = (work_dir.parent / f'{kind}_{index}.killed.txt').read_text()
    left = sorted(p.name for p in work_dir.iterdir() if p.is_file())
    last = (work_dir / 'last_checkpoint').read_text().strip() if (work_dir / 'last_checkpoint').exists() else '-'
    reached = max(_logged_iters(killed_log), default=0)
    with open(work_dir.parent / f'{kind}_{index}.resumed.txt', 'w') as log:
        resumed = _start(work_dir, '', True, log)
        resumed.wait()
    resumed_log = (work_dir.parent / f'{kind}_{index}.resumed.txt').read_text()
    match = re.search(r'resumed epoch: \d+, iter: (\d+)', resumed_log)
    iters = _logged_iters(resumed_log)
    return dict(trial=f'{kind} {index}', moment=moment, reached=reached, left=' '.join(left), last=last,
                resumed_at=match.group(1) if match else ('0 (no checkpoint)' if 'starts at iteration 0' in resumed_log
                                                          else '?'),
                passed_over=resumed_log.count('resume: passed over'), end=max(iters, default=0),
                best=' '.join(sorted(p.name for p in work_dir.glob('best_*'))), status=resumed.returncode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--trials', default='step=3,best=3,random=5')
    parser.add_argument('--out', default='work_dirs/kill_trials')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    out = Path(args.out) / time.strftime('%Y%m%d_%H%M%S')
    rng = random.Random(args.seed)
    rows = []
    for item in args.trials.split(','):
        kind, count = item.split('=')
        for index in range(1, int(count) + 1):
            rows.append(trial(kind, index, out, rng))
            print(rows[-1], flush=True)
    columns = ['trial', 'moment', 'reached', 'left', 'last', 'resumed_at', 'passed_over', 'end', 'best', 'status']
    print('| ' + ' | '.join(columns) + ' |\n|' + ' --- |' * len(columns))
    for row in rows:
        print('| ' + ' | '.join(str(row[c]) for c in columns) + ' |')


if __name__ == '__main__':
    if len(sys.argv) > 2 and sys.argv[1] == 'child':
        child(sys.argv[2], sys.argv[4:])
    else:
        main()
