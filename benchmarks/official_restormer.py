"""Our Restormer against the official Restormer code, in the same run (issue #7, item 2).

Usage::

    python benchmarks/official_restormer.py --official /path/to/restormer_arch.py
        [--config configs/restormer_rain13k.py] [--size 256] [--repeats 3] [--threads N] [--out CSV]

``--official`` is ``basicsr/models/archs/restormer_arch.py`` of github.com/swz30/Restormer
(or the folder holding it), kept outside this repository: this script only imports it.
The official file imports ``einops``; where einops is not installed, an equivalent
``rearrange`` (reshape + permute, which is all einops does for its four patterns) is
provided so the official code runs unmodified.

Rows (1 x 3 x size x size, one synthetic rain sample, median of ``--repeats`` timed
forwards after a warm-up, all variants taking turns in every round):

* official fp32: ``Restormer()`` with its defaults, NCHW, ``torch.no_grad`` (as in its
  test scripts);
* ours fp32 NCHW: our config through ``derain_toolkit.inference.derain`` (``inference_mode``);
* ours fp32 channels-last: the default fast path of ``derain`` (exact up to float rounding);
* ours bf16: ``--precision bf16`` (autocast), channels-last.

Both networks have random weights (no trained checkpoint exists here). The bf16 change is
reported as the PSNR between the bf16 and fp32 outputs and as the change of PSNR against
the clean image (8-bit outputs, RGB).
"""
import importlib.util
import re
import sys
import types
from pathlib import Path

import numpy as np
import torch
from _common import ROOT, markdown_table, time_in_turns, write_csv

from derain_toolkit import build_model
from derain_toolkit.datasets.synthetic_rain import (
    load_clean_image,
    random_clean_crop,
    render_rain,
    sample_rain_params,
)
from derain_toolkit.engine.options import resolve_device, tool_parser
from derain_toolkit.evaluation.functional import psnr
from derain_toolkit.inference import derain
from derain_toolkit.utils.complexity import count_parameters


def _rearrange(tensor: torch.Tensor, pattern: str, **sizes: int) -> torch.Tensor:
    """``einops.rearrange`` for patterns of named axes and parenthesised groups (no ellipsis)."""
    def parse(side: str) -> list[list[str]]:
        return [group.split() if group else [name] for group, name in re.findall(r'\(([^)]*)\)|(\w+)', side)]

    left, right = (parse(side) for side in pattern.split('->'))
    known = dict(sizes)
    for group, length in zip(left, tensor.shape):
        unknown = [axis for axis in group if axis not in known]
        product = int(np.prod([known[axis] for axis in group if axis in known]))
        if unknown:
            known[unknown[0]] = length // product
    flat_left = [axis for group in left for axis in group]
    flat = tensor.reshape([known[axis] for axis in flat_left])
    flat = flat.permute([flat_left.index(axis) for group in right for axis in group])
    return flat.reshape([int(np.prod([known[axis] for axis in group])) for group in right])


def load_official(path: str) -> type:
    """The ``Restormer`` class of the official ``restormer_arch.py`` at ``path`` (file or folder)."""
    file = Path(path)
    file = file / 'restormer_arch.py' if file.is_dir() else file
    if not file.is_file():
        raise SystemExit(f'--official: {file} not found; expected restormer_arch.py of swz30/Restormer '
                         '(basicsr/models/archs/restormer_arch.py)')
    try:
        import einops  # noqa: F401
    except ImportError:
        sys.modules['einops'] = types.SimpleNamespace(rearrange=_rearrange)
    spec = importlib.util.spec_from_file_location('official_restormer_arch', file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Restormer


def rain_sample(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A (rainy, clean) uint8 pair of ``size`` x ``size`` from the synthetic rain renderer."""
    rng = np.random.default_rng(seed)
    clean = random_clean_crop(load_clean_image('astronaut'), size, rng)
    return render_rain(clean, sample_rain_params('moderate', rng), rng), clean


def main() -> None:
    parser = tool_parser(__doc__.split('\n')[0], 'device')
    parser.add_argument('--official', required=True, help="official restormer_arch.py (or its folder)")
    parser.add_argument('--config', default=str(ROOT / 'configs' / 'restormer_rain13k.py'))
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None, help='torch threads (default: torch default)')
    parser.add_argument('--out', default=None, help='also write the table as CSV')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    device = resolve_device(args.device)
    torch.manual_seed(0)
    official = load_official(args.official)().eval().to(device)
    ours = build_model(args.config).eval().to(device)
    ours_nchw = build_model(args.config).eval().to(device)
    ours_nchw.load_state_dict(ours.state_dict())
    rainy, clean = rain_sample(args.size)
    x = (torch.from_numpy(rainy).permute(2, 0, 1)[None].float() / 255).to(device)

    def run_official():
        with torch.no_grad():
            official(x)

    variants = {
        'official fp32 (NCHW, no_grad)': run_official,
        'ours fp32 NCHW (inference_mode)': lambda: derain(ours_nchw, rainy, tile=0, channels_last=False,
                                                          device=device),
        'ours fp32 channels-last (default)': lambda: derain(ours, rainy, tile=0, device=device),
        'ours bf16 channels-last': lambda: derain(ours, rainy, tile=0, precision='bf16', device=device),
    }
    times = time_in_turns(list(variants.values()), args.repeats, device)

    fp32 = derain(ours, rainy, tile=0, device=device).image
    fp32_nchw = derain(ours_nchw, rainy, tile=0, channels_last=False, device=device).image
    bf16 = derain(ours, rainy, tile=0, precision='bf16', device=device).image
    headers = ['variant', 'median s', 'ratio to official fp32']
    rows = [[name, t, t / times[0]] for name, t in zip(variants, times)]
    where = torch.cuda.get_device_name(device) if device.type == 'cuda' else f'CPU, {torch.get_num_threads()} threads'
    print(f'Restormer forward, 1x3x{args.size}x{args.size}, {where}, '
          f'median of {args.repeats}; params official {count_parameters(official) / 1e6:.2f}M, '
          f'ours {count_parameters(ours.backbone) / 1e6:.2f}M\n')
    print(markdown_table(headers, rows))
    score = dict(y_channel=False)
    print(f'\nchannels-last vs NCHW (fp32, 8-bit outputs): max |diff| = '
          f'{np.abs(fp32.astype(int) - fp32_nchw.astype(int)).max()} / 255')
    print(f'bf16 vs fp32: PSNR between outputs {psnr(bf16, fp32, **score):.2f} dB; PSNR to clean '
          f'{psnr(bf16, clean, **score):.4f} (bf16) vs {psnr(fp32, clean, **score):.4f} (fp32) dB, '
          f'change {psnr(bf16, clean, **score) - psnr(fp32, clean, **score):+.4f} dB')
    write_csv(args.out, headers, rows)


if __name__ == '__main__':
    main()
