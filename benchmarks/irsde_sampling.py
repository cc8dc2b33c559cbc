"""IR-SDE sampling time on one 256x256 image with the full-size default denoiser.

Prints a table: seconds per reverse step (mean of ``--steps`` timed network calls after
one warm-up) and for a full sampling run of T = 100 steps. With ``--full`` the T = 100
run is timed end to end; otherwise it is extrapolated from the per-step time and marked
so. Usage::

    python benchmarks/irsde_sampling.py [--device cpu] [--size 256] [--steps 3] [--full] [--threads N]
"""
import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from derain_toolkit.models.backbones.conditional_unet import ConditionalUNet  # noqa: E402
from derain_toolkit.models.generators.irsde import IRSDEGenerator  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--steps', type=int, default=3, help='timed reverse steps for the per-step figure')
    parser.add_argument('--full', action='store_true', help='also time all T = 100 steps end to end')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s)')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    net = ConditionalUNet().to(device).eval()  # the default (paper) denoiser: nf 64, (1, 2, 4, 8), no attention
    params = sum(p.numel() for p in net.parameters()) / 1e6
    image = torch.rand(1, 3, args.size, args.size, device=device)

    def sync() -> None:
        if device.type == 'cuda':
            torch.cuda.synchronize()

    IRSDEGenerator(sample_steps=1, progress_bar=False).to(device).sample(net, image)  # warm-up
    gen = IRSDEGenerator(sample_steps=args.steps, progress_bar=False).to(device)
    sync()
    start = time.perf_counter()
    gen.sample(net, image)
    sync()
    per_step = (time.perf_counter() - start) / args.steps
    rows = [('per reverse step', f'{per_step:.3f}', f'measured, mean of {args.steps}'),
            ('T = 100 steps', f'{per_step * 100:.1f}', 'extrapolated from the per-step time')]
    if args.full:
        gen = IRSDEGenerator(progress_bar=False).to(device)
        sync()
        start = time.perf_counter()
        gen.sample(net, image)
        sync()
        rows.append(('T = 100 steps', f'{time.perf_counter() - start:.1f}', 'measured end to end'))
    print(f'IR-SDE sampling, ConditionalUNet default ({params:.2f}M params), one {args.size}x{args.size} image, '
          f'device {device}, torch threads {torch.get_num_threads()}')
    print(f'| {"what":<18} | {"seconds":>8} | how')
    print(f'|{"-" * 20}|{"-" * 10}|{"-" * 40}')
    for what, seconds, how in rows:
        print(f'| {what:<18} | {seconds:>8} | {how}')


if __name__ == '__main__':
    main()
