"""ONNX Runtime against PyTorch eager: the official Restormer, ours, ours on ONNX Runtime (issue #19).

Usage::

    python benchmarks/onnx_runtime.py --official /path/to/restormer_arch.py
        [--config configs/restormer_rain13k.py] [--sizes 256 512] [--threads 1 2] [--repeats 2]
        [--onnx FILE.onnx] [--out CSV]

``--official`` is ``basicsr/models/archs/restormer_arch.py`` of github.com/swz30/Restormer,
kept outside this repository and only imported (``official_restormer.load_official``).

Rows, per thread count and image size (1 x 3 x S x S, one synthetic rain sample; median of
``--repeats`` timed runs after a warm-up, the variants taking turns in every round, in one
process with ``torch.set_num_threads(T)`` and ONNX Runtime's ``intra_op_num_threads = T``):

* official eager: ``Restormer()`` under ``torch.no_grad`` (its test scripts' way), NCHW;
* ours PyTorch: ``derain(model, image, tile=0)``, the default path (channels-last, fp32 on
  a CPU without native bf16);
* ours ONNX Runtime: the same weights exported by ``tools/export_onnx.py``'s code
  (opset 18, checked against PyTorch), ``derain(OnnxBackend, image, tile=0)``;
* ours bf16 (``--precision auto``'s choice): only where ``auto`` picks bf16 on this CPU
  (native bf16), with the PSNR of its output against the fp32 output.

Peak memory: the growth of the process's peak resident set (``ru_maxrss``) over its size
after loading, for one forward in a fresh process per (variant, size) (the peak never
falls, so cases cannot share a process), at one thread. Weights are random (no trained
checkpoint here): speed and memory do not depend on them.
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from _common import ROOT, markdown_table, memory_baseline, peak_memory_since, time_in_turns, write_csv
from official_restormer import load_official, rain_sample

from derain_toolkit import build_model
from derain_toolkit.build import load_config
from derain_toolkit.deploy.onnx_backend import OnnxBackend
from derain_toolkit.deploy.onnx_export import export_onnx
from derain_toolkit.engine.precision import resolve_precision
from derain_toolkit.evaluation.functional import psnr
from derain_toolkit.inference import derain

VARIANTS = ('official eager', 'ours PyTorch', 'ours ONNX Runtime')


def _runners(args: argparse.Namespace, threads: int) -> dict[str, Callable[[np.ndarray], object]]:
    torch.manual_seed(0)
    official = load_official(args.official)().eval()
    ours = build_model(args.config).eval()
    backend = OnnxBackend(args.config, args.onnx, threads=threads)

    def run_official(rainy: np.ndarray) -> torch.Tensor:
        with torch.no_grad():
            return official(torch.from_numpy(rainy).permute(2, 0, 1)[None].float() / 255)

    return {VARIANTS[0]: run_official,
            VARIANTS[1]: lambda rainy: derain(ours, rainy, tile=0, precision='fp32'),
            VARIANTS[2]: lambda rainy: derain(backend, rainy, tile=0),
            'ours bf16 (auto)': lambda rainy: derain(ours, rainy, tile=0, precision='bf16')}


def _peak_memory(args: argparse.Namespace, variant: str, size: int) -> float:
    """MiB of peak resident-set growth of one forward, measured in a fresh process."""
    command = [sys.executable, __file__, '--official', args.official, '--config', args.config, '--onnx', args.onnx,
               '--memory-of', variant, str(size)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--official', required=True, help='official restormer_arch.py (or its folder)')
    parser.add_argument('--config', default=str(ROOT / 'configs' / 'restormer_rain13k.py'))
    parser.add_argument('--sizes', type=int, nargs='+', default=[256, 512])
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--onnx', default=None, help='an export of --config to reuse (default: export one now)')
    parser.add_argument('--memory-of', nargs=2, metavar=('VARIANT', 'SIZE'), help=argparse.SUPPRESS)
    parser.add_argument('--out', default=None, help='also write the table as CSV')
    args = parser.parse_args()

    if args.memory_of:
        torch.set_num_threads(1)
        run = _runners(args, threads=1)[args.memory_of[0]]
        rainy = rain_sample(int(args.memory_of[1]))[0]
        baseline = memory_baseline(torch.device('cpu'))
        run(rainy)
        print(peak_memory_since(torch.device('cpu'), baseline) / 2**20)
        return
    if args.onnx is None:
        torch.manual_seed(0)
        args.onnx = str(Path(tempfile.mkdtemp()) / 'restormer.onnx')
        export_onnx(build_model(args.config).eval(), load_config(args.config), args.onnx)
    auto = resolve_precision('auto', 'cpu')
    variants = list(VARIANTS) + (['ours bf16 (auto)'] if auto.precision == 'bf16' else [])
    headers = ['threads', 'size', 'variant', 'median s / image', 'ratio to official', 'peak MiB (1 thread)',
               'PSNR vs fp32 (dB)']
    memory = {(variant, size): _peak_memory(args, variant, size) for variant in variants for size in args.sizes}
    rows = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        runners = _runners(args, threads)
        for size in args.sizes:
            rainy = rain_sample(size)[0]
            times = time_in_turns([lambda run=runners[v]: run(rainy) for v in variants], args.repeats)
            fp32 = runners[VARIANTS[1]](rainy).image
            for variant, seconds in zip(variants, times):
                quality = psnr(runners[variant](rainy).image, fp32, y_channel=False) if 'bf16' in variant else ''
                rows.append([threads, size, variant, seconds, seconds / times[0], memory[(variant, size)], quality])
    print(f'Restormer (configs/restormer_rain13k.py, random weights), 1x3xSxS, CPU; median of {args.repeats} '
          f'after a warm-up; precision auto here: {auto.precision} ({auto.reason})\n')
    print(markdown_table(headers, rows))
    if auto.precision != 'bf16':
        print('\nbf16 rows: not measured here (auto keeps fp32 on this CPU).')
    write_csv(args.out, headers, rows)


if __name__ == '__main__':
    main()
