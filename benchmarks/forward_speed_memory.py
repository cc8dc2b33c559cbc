"""Forward time and peak memory of every paper model at 256², 512² and 1024².

Usage::

    python benchmarks/forward_speed_memory.py [--configs ...] [--sizes 256 512 1024]
        [--repeats 3] [--device auto|cpu|cuda] [--compile] [--out CSV]

One process per (model, size): the model is built from its config with random weights
(CLIP-RPN's router with ``pretrained=None``, a randomly initialised CLIP, so nothing is
downloaded), one warm-up forward, then the median of ``--repeats`` forwards through
``Derainer(mode='tensor')`` under ``torch.inference_mode`` in channels-last format. For
IR-SDE the sampler is set to one reverse step, so the row is one network evaluation
(the full sampler costs ``sampler.steps`` of them). Images per second are 1 / median
seconds (batch 1). Peak memory: CUDA's peak allocation (``torch.cuda.max_memory_allocated``),
or on the CPU the growth of the peak resident set over the set after building the model
(one process per case, because the peak resident set never falls). A config that cannot
be built here is listed with the reason. ``--compile`` adds a row per case through
``torch.compile`` (default options; its compilation is the warm-up call).
"""
import argparse
import statistics
import time

import torch
from _common import (
    ROOT,
    markdown_table,
    memory_baseline,
    offline_config,
    peak_memory_since,
    run_in_subprocess,
    write_csv,
)

from derain_toolkit import build_model
from derain_toolkit.engine.options import resolve_device, tool_parser

PAPER_CONFIGS = ['restormer_rain13k.py', 'clip_rpn_rain100h.py', 'ddsa_rain13k.py', 'irsde_rain100h.py']


def _model_config(path: str):
    """Random CLIP weights, and one network evaluation per IR-SDE sample."""
    cfg = offline_config(path)
    if 'sampler' in cfg.model.get('generator', {}):
        cfg.model.generator.sampler.steps = 1
    return cfg


def run_case(case: dict) -> dict:
    """Build one model, time ``--repeats`` forwards at one size and measure the peak memory."""
    torch.manual_seed(0)
    device = torch.device(case['device'])
    model = build_model(_model_config(case['config'])).to(device).eval()
    model.to(memory_format=torch.channels_last)
    x = torch.rand(1, 3, case['size'], case['size'], device=device).contiguous(memory_format=torch.channels_last)
    forward = torch.compile(model) if case.get('compile') else model
    base = memory_baseline(device)
    times = []
    with torch.inference_mode():
        for i in range(case['repeats'] + 1):
            if device.type == 'cuda':
                torch.cuda.synchronize(device)
            start = time.perf_counter()
            forward(x, mode='tensor')
            if device.type == 'cuda':
                torch.cuda.synchronize(device)
            if i:
                times.append(time.perf_counter() - start)
    return dict(seconds=statistics.median(times), peak_gb=peak_memory_since(device, base) / 1e9)


def main() -> None:
    parser = tool_parser(__doc__.split('\n')[0], 'device')
    parser.add_argument('--configs', nargs='+', default=[str(ROOT / 'configs' / c) for c in PAPER_CONFIGS])
    parser.add_argument('--sizes', type=int, nargs='+', default=[256, 512, 1024])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--compile', action='store_true',
                        help='also time every case through torch.compile (the first call, compiling, is the warm-up)')
    parser.add_argument('--out', default=None, help='also write the table as CSV')
    parser.add_argument('--case', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.device = str(resolve_device(args.device))
    if args.case:
        import json
        print(json.dumps(run_case(json.loads(args.case))))
        return

    headers = ['config', 'size', 'compiled', 'median s', 'images / s', 'peak memory GB']
    rows = []
    for config in args.configs:
        for size in args.sizes:
            for compiled in (False, True) if args.compile else (False,):
                measured = run_in_subprocess(__file__, dict(config=config, size=size, repeats=args.repeats,
                                                            device=args.device, compile=compiled))
                name = config.rsplit('/', 1)[-1]
                rows.append([name, size, compiled, 'failed', '', measured['error']] if 'error' in measured else
                            [name, size, compiled, measured['seconds'], 1 / measured['seconds'], measured['peak_gb']])
                print(rows[-1], flush=True)
    print(f'\ndevice {args.device}, {torch.get_num_threads()} threads, median of {args.repeats}, '
          'random weights, 1 x 3 x size x size\n')
    print(markdown_table(headers, rows))
    write_csv(args.out, headers, rows)


if __name__ == '__main__':
    main()
