"""Tiled against whole-image inference on large images: output difference, time and peak memory.

Usage::

    python benchmarks/tiling.py [--config configs/restormer_tiny_synthetic.py]
        [--sizes 2048x2048 3840x2160] [--tile 512] [--overlaps 32 64] [--device auto|cpu|cuda] [--out CSV]

Each case (whole image, or tiles of ``--tile`` with each overlap) runs in its own
process so that its peak memory can be measured: on the CPU the growth of the peak
resident set (``ru_maxrss``) over the resident set after loading the model and the
image; on CUDA ``torch.cuda.max_memory_allocated``. The difference is the PSNR between
the tiled and the whole-image outputs (8-bit, RGB). The input is a clean photograph
resized to the size, with synthetic rain rendered on it; the model has random weights.

The full Restormer on a 4K image needs tens of GB and many minutes on a CPU, so the
default is the tiny config; pass ``--config configs/restormer_rain13k.py`` on a GPU.
"""
import argparse
import json
import os
import tempfile
import time

import cv2
import numpy as np
import torch
from _common import (
    ROOT,
    markdown_table,
    memory_baseline,
    peak_memory_since,
    run_in_subprocess,
    write_csv,
)

from derain_toolkit import build_model
from derain_toolkit.datasets.synthetic_rain import (
    load_clean_image,
    render_rain,
    sample_rain_params,
)
from derain_toolkit.engine.options import resolve_device, tool_parser
from derain_toolkit.evaluation.functional import psnr
from derain_toolkit.inference import derain


def rainy_image(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A ``height x width`` uint8 rainy image (a resized clean photograph with rendered rain)."""
    rng = np.random.default_rng(seed)
    clean = cv2.resize(np.asarray(load_clean_image('astronaut')), (width, height), interpolation=cv2.INTER_CUBIC)
    return render_rain(clean, sample_rain_params('moderate', rng), rng)


def run_case(case: dict) -> dict:
    """One inference in this process; writes the output to ``case['output']``, returns time and memory."""
    torch.manual_seed(0)
    device = torch.device(case['device'])
    model = build_model(case['config']).to(device).eval()
    image = rainy_image(case['width'], case['height'])
    base = memory_baseline(device)
    start = time.perf_counter()
    out = derain(model, image, tile=case['tile'], tile_overlap=case['overlap'], device=device).image
    seconds = time.perf_counter() - start
    peak = peak_memory_since(device, base)
    np.save(case['output'], out)
    return dict(seconds=seconds, peak_gb=peak / 1e9)


def main() -> None:
    parser = tool_parser(__doc__.split('\n')[0], 'device')
    parser.add_argument('--config', default=str(ROOT / 'configs' / 'restormer_tiny_synthetic.py'))
    parser.add_argument('--sizes', nargs='+', default=['2048x2048', '3840x2160'], help='WIDTHxHEIGHT')
    parser.add_argument('--tile', type=int, default=512)
    parser.add_argument('--overlaps', type=int, nargs='+', default=[32, 64])
    parser.add_argument('--out', default=None, help='also write the table as CSV')
    parser.add_argument('--case', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.device = str(resolve_device(args.device))
    if args.case:
        print(json.dumps(run_case(json.loads(args.case))))
        return

    headers = ['size', 'mode', 'time s', 'peak memory GB', 'PSNR tiled vs whole dB']
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            width, height = (int(v) for v in size.lower().split('x'))
            outputs = {}
            for tile, overlap in [(0, 0)] + [(args.tile, o) for o in args.overlaps]:
                mode = 'whole' if tile == 0 else f'tile {tile} overlap {overlap}'
                case = dict(config=args.config, device=args.device, width=width, height=height, tile=tile,
                            overlap=overlap, output=os.path.join(tmp, f'{size}_{tile}_{overlap}.npy'))
                measured = run_in_subprocess(__file__, case)
                if 'error' in measured:
                    rows.append([size, mode, 'failed', measured['error'], ''])
                    continue
                outputs[mode] = np.load(case['output'])
                difference = ('' if tile == 0 or 'whole' not in outputs else
                              f"{psnr(outputs[mode], outputs['whole'], y_channel=False):.2f}")
                rows.append([size, mode, measured['seconds'], measured['peak_gb'], difference])
                print(rows[-1], flush=True)
    print(f'\nconfig {os.path.relpath(args.config, ROOT)}, device {args.device}, '
          f'{torch.get_num_threads()} threads\n')
    print(markdown_table(headers, rows))
    write_csv(args.out, headers, rows)


if __name__ == '__main__':
    main()
