"""Quality and speed of the IR-SDE samplers per network evaluation (NFE), on synthetic rain.

Trains (or loads, ``--checkpoint-dir``) the tiny IR-SDE and DA-CLIP configs
(``configs/irsde_tiny_synthetic.py``, ``configs/irsde_daclip_tiny_synthetic.py``) at the
papers' T = 100, then derains their synthetic test images with Euler-Maruyama and the
posterior sampler at 100 steps and the MR Sampler (arXiv 2502.07856) at 5, 10 and 20 steps
for every solver / prediction / order, over several sampling seeds. Prints PSNR/SSIM on Y
(mean ± std over the seeds of the test-set means) and seconds per image (the test set as one
batch, wall time / images), writes the table to ``--csv`` and PSNR against NFE to ``--plot``.
Then times one network evaluation of the full-size U-Nets at 256² (the 137 M IR-SDE network
of ``configs/irsde_rain100h.py`` and the 48.98 M DA-CLIP one of
``configs/irsde_daclip_rain100h.py``), with random weights: the time does not depend on them.

Usage::

    python benchmarks/sampling.py [--iters 2000] [--seeds 0 1 2] [--checkpoint-dir work_dirs/sampling]
        [--models irsde daclip] [--steps 5 10 20] [--num-test 16] [--rows-from CSV ...] [--full-size-repeats 1] [--no-full-size]
"""
import argparse
import copy
import csv
import subprocess
import sys
import time
from pathlib import Path
from statistics import mean, pstdev

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, markdown_table, time_in_turns, write_csv  # noqa: E402

from derain_toolkit.build import build_model, load_config  # noqa: E402
from derain_toolkit.evaluation.functional import psnr, ssim  # noqa: E402
from derain_toolkit.inference import load_model  # noqa: E402
from derain_toolkit.registry import DATASETS, SAMPLERS  # noqa: E402
from derain_toolkit.registry import walk_parts  # noqa: E402
from derain_toolkit.utils.complexity import random_init  # noqa: E402

MODELS = {'irsde': 'configs/irsde_tiny_synthetic.py', 'daclip': 'configs/irsde_daclip_tiny_synthetic.py'}
FULL_SIZE = {'IR-SDE U-Net (137 M)': 'configs/irsde_rain100h.py',
             'DA-CLIP U-Net (48.98 M)': 'configs/irsde_daclip_rain100h.py'}
T = 100


def sampler_specs(steps: list[int]) -> list[tuple[str, dict]]:
    """(label, SAMPLERS config) of every sampler compared."""
    specs = [('Euler-Maruyama', dict(type='EulerMaruyamaSampler', steps=T)),
             ('posterior', dict(type='PosteriorSampler', steps=T))]
    for solver, orders in (('ode', (1, 2, 3)), ('sde', (1, 2))):
        for prediction in ('data', 'noise'):
            for order in orders:
                for n in steps:
                    specs.append((f'MRS {solver} {prediction} o{order}',
                                  dict(type='MRSampler', steps=n, solver=solver, order=order, prediction=prediction)))
    return specs


def overrides(iters: int) -> list[str]:
    """``--cfg-options`` that set T = 100 and the training length."""
    return [f'model.generator.num_steps={T}', f'model.generator.sampler.steps={T}', f'train_cfg.max_iters={iters}',
            f'train_cfg.val_interval={iters}', f'default_hooks.checkpoint.interval={iters}',
            f'param_scheduler.1.T_max={iters - 50}', f'param_scheduler.1.end={iters}']


def trained_checkpoint(name: str, iters: int, work_root: Path) -> Path:
    """``work_root/name/iter_<iters>.pth``, trained with tools/train.py if it is missing."""
    work_dir = work_root / name
    checkpoint = work_dir / f'iter_{iters}.pth'
    if not checkpoint.is_file():
        cmd = [sys.executable, str(ROOT / 'tools' / 'train.py'), str(ROOT / MODELS[name]), '--work-dir', str(work_dir),
               '--device', 'cpu', '--cfg-options', *overrides(iters)]
        print('training:', ' '.join(cmd), flush=True)
        subprocess.run(cmd, check=True)
    return checkpoint


def scores(pred: torch.Tensor, gt: torch.Tensor) -> tuple[float, float]:
    """Mean PSNR and SSIM on Y over a batch (uint8-rounded, as the metrics)."""
    pairs = [(p.permute(1, 2, 0).numpy(), g.permute(1, 2, 0).numpy()) for p, g in zip(pred, gt)]
    return mean(psnr(p, g) for p, g in pairs), mean(ssim(p, g) for p, g in pairs)


def evaluate(name: str, checkpoint: Path, specs: list[tuple[str, dict]], seeds: list[int], num_test: int) -> list[list]:
    """Rows ``[model, sampler, NFE, PSNR, ±, SSIM, ±, s/image]`` of one trained model on ``num_test`` images."""
    cfg = load_config(ROOT / MODELS[name])
    cfg.merge_from_dict({'model.generator.num_steps': T, 'model.generator.sampler.steps': T,
                         'test_dataloader.dataset.num_samples': num_test})
    model = load_model(cfg, checkpoint, 'cpu')
    dataset = DATASETS.build(copy.deepcopy(cfg.test_dataloader.dataset))
    samples = [dataset[i] for i in range(len(dataset))]
    rainy = torch.stack([s['inputs'] for s in samples])  # (N, 3, H, W) in [0, 1]
    gt = torch.stack([s['data_samples']['gt'] for s in samples])
    rows = [[name, 'rainy input', 0, *_with_spread([scores(rainy, gt)]), 0.0]]
    generator = model.generator
    for label, spec in specs:
        generator.sampler = SAMPLERS.build(spec)
        generator.sampler.check(generator.schedule)
        results, seconds = [], []
        for seed in seeds:
            generator.seed = seed
            start = time.perf_counter()
            pred = generator.sample(model.backbone, rainy)['pred']
            seconds.append((time.perf_counter() - start) / len(rainy))
            results.append(scores(pred, gt))
        rows.append([name, label, spec['steps'], *_with_spread(results), mean(seconds)])
        print(markdown_table(['model', 'sampler', 'NFE', 'PSNR', '±', 'SSIM', '±', 's/image'], rows[-1:]).splitlines()[-1],
              flush=True)
    return rows


def _with_spread(results: list[tuple[float, float]]) -> list[float]:
    psnrs, ssims = [r[0] for r in results], [r[1] for r in results]
    return [mean(psnrs), pstdev(psnrs), mean(ssims), pstdev(ssims)]


def full_size_seconds(repeats: int) -> list[list]:
    """Seconds per network evaluation of the full-size U-Nets at 256² (random weights, guidance precomputed)."""
    rows = []
    torch.manual_seed(0)
    for label, config in FULL_SIZE.items():
        cfg = load_config(ROOT / config)
        walk_parts(cfg.model, random_init)
        model = build_model(cfg).eval()
        params = sum(p.numel() for p in model.backbone.parameters()) / 1e6
        mu = torch.rand(1, 3, 256, 256)
        x = mu + torch.randn_like(mu) * model.generator.schedule.stationary_std
        t = torch.full((1,), 50, dtype=torch.long)
        guidance = model.generator.guidance(mu)
        with torch.no_grad():
            seconds = time_in_turns([lambda: model.backbone(x, mu, t, **guidance)], repeats)[0]
        rows.append([label, f'{params:.2f}', seconds, seconds * 100, seconds * 10])
        print(rows[-1], flush=True)
        del model
    return rows


def _parsed(row: list[str]) -> list:
    """A CSV row of this script as typed values."""
    return [row[0], row[1], int(row[2]), *map(float, row[3:])]


def plot(rows: list[list], path: Path) -> None:
    """PSNR against NFE: a line per MR Sampler variant, a marker per 100-step sampler, per model."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    models = sorted({r[0] for r in rows}, key=list(MODELS).index)
    fig, axes = plt.subplots(1, len(models), figsize=(6.5 * len(models), 4.5), squeeze=False)
    for ax, name in zip(axes[0], models):
        mine = [r for r in rows if r[0] == name]
        for label in dict.fromkeys(r[1] for r in mine if r[1].startswith('MRS')):
            pts = sorted((r[2], r[3]) for r in mine if r[1] == label)
            ax.plot(*zip(*pts), marker='o', label=label, linestyle='--' if ' sde ' in label else '-')
        for r in mine:
            if not r[1].startswith('MRS'):
                marker = {'rainy input': 'x', 'posterior': '*', 'Euler-Maruyama': 's'}[r[1]]
                if r[1] == 'rainy input':
                    ax.axhline(r[3], color='grey', linestyle=':', label='rainy input')
                else:
                    ax.plot([r[2]], [r[3]], marker=marker, markersize=12, linestyle='none', label=f'{r[1]} ({r[2]})',
                            color='black' if r[1] == 'posterior' else 'tab:red')
        ax.set_xscale('log')
        ax.set_xlabel('NFE (network evaluations per image)')
        ax.set_ylabel('PSNR (Y, dB)')
        ax.set_title(f'{name}: tiny, synthetic rain, T = 100 (CPU)')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f'wrote {path}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iters', type=int, default=2000, help='training iterations of each tiny model')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2], help='sampling seeds')
    parser.add_argument('--steps', type=int, nargs='+', default=[5, 10, 20], help='MR Sampler step counts')
    parser.add_argument('--num-test', type=int, default=16, help='synthetic test images (the test seed of the config)')
    parser.add_argument('--models', nargs='*', default=list(MODELS), choices=list(MODELS),
                        help='tiny models to train/load and evaluate (none: only --rows-from and the full-size timing)')
    parser.add_argument('--rows-from', nargs='+', default=[], metavar='CSV',
                        help='also take the rows of earlier runs (their --csv files) into the table and plot')
    parser.add_argument('--checkpoint-dir', default=str(ROOT / 'work_dirs' / 'sampling'))
    parser.add_argument('--csv', default=str(ROOT / 'work_dirs' / 'sampling' / 'sampling.csv'))
    parser.add_argument('--plot', default=str(ROOT / 'docs' / 'sampling.png'))
    parser.add_argument('--full-size-repeats', type=int, default=1)
    parser.add_argument('--no-full-size', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(1)

    specs = sampler_specs(args.steps)
    rows = [_parsed(row) for path in args.rows_from for row in list(csv.reader(open(path)))[1:]]
    for name in args.models:
        rows += evaluate(name, trained_checkpoint(name, args.iters, Path(args.checkpoint_dir)), specs, args.seeds, args.num_test)
    if rows:
        headers = ['model', 'sampler', 'NFE', 'PSNR Y', '± (seeds)', 'SSIM Y', '± (seeds)', 's/image']
        print(f'\nTiny models, synthetic rain, T = {T}, {args.iters} iterations, seeds {args.seeds}:')
        print(markdown_table(headers, rows))
        write_csv(args.csv, headers, rows)
        plot(rows, Path(args.plot))
    if not args.no_full_size:
        full = full_size_seconds(args.full_size_repeats)
        print('\nFull-size U-Nets at 256x256, random weights, one CPU thread:')
        print(markdown_table(['network', 'params (M)', 's / NFE', 's / image at 100 NFE', 's / image at 10 NFE'], full))
    print(f'\nload: {subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}')


if __name__ == '__main__':
    main()
