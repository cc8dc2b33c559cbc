"""IR-SDE sampling time on one image, for each sampler (Euler-Maruyama and posterior).

(Quality and time per NFE of every sampler, the MR Sampler included: ``benchmarks/sampling.py``.)

By default the network is the full-size default ``ConditionalUNet`` with the official
schedule (T = 100); with ``--config`` and ``--checkpoint`` it is a trained model (its
generator's T, guidance and options). Prints a table: seconds per reverse step (mean of
``--steps`` timed steps after one warm-up) and for a full sampling run of T steps. With
``--full`` the T-step run is timed end to end; otherwise it is extrapolated from the
per-step time and marked so. Usage::

    python benchmarks/irsde_sampling.py [--device auto|cpu|cuda] [--size 256] [--steps 3] [--full] [--threads N]
        [--samplers euler posterior] [--config CONFIG --checkpoint CKPT]
"""
import argparse
import copy
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from derain_toolkit.engine.options import resolve_device, tool_parser  # noqa: E402
from derain_toolkit.inference import load_model  # noqa: E402
from derain_toolkit.models.backbones.conditional_unet import ConditionalUNet  # noqa: E402
from derain_toolkit.models.generators.irsde import IRSDEGenerator  # noqa: E402
from derain_toolkit.registry import SAMPLERS  # noqa: E402

SAMPLER_TYPES = {'euler': 'EulerMaruyamaSampler', 'posterior': 'PosteriorSampler'}


def _network_and_generator(args: argparse.Namespace, device: torch.device) -> tuple[torch.nn.Module, IRSDEGenerator]:
    if args.config:
        model = load_model(args.config, args.checkpoint, device)
        return model.backbone, model.generator
    torch.manual_seed(0)
    net = ConditionalUNet().to(device).eval()  # the default denoiser
    return net, IRSDEGenerator(progress_bar=False).to(device)


def main() -> None:
    parser = tool_parser(__doc__.splitlines()[0], 'device')
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--steps', type=int, default=3, help='timed reverse steps for the per-step figure')
    parser.add_argument('--full', action='store_true', help='also time all T steps end to end')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s)')
    parser.add_argument('--samplers', nargs='+', default=list(SAMPLER_TYPES), choices=list(SAMPLER_TYPES))
    parser.add_argument('--config', help='a trained model\'s config (with --checkpoint)')
    parser.add_argument('--checkpoint', help='its checkpoint')
    args = parser.parse_args()
    args.device = str(resolve_device(args.device))
    if bool(args.config) != bool(args.checkpoint):
        parser.error('--config and --checkpoint go together')
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    net, base = _network_and_generator(args, device)
    params = sum(p.numel() for p in net.parameters()) / 1e6
    image = torch.rand(1, 3, args.size, args.size, device=device)

    def timed(generator: IRSDEGenerator, sampler: str, steps: int) -> float:
        generator.sampler = SAMPLERS.build(dict(type=SAMPLER_TYPES[sampler], steps=steps))
        generator.progress_bar = False
        if device.type == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        generator.sample(net, image)
        if device.type == 'cuda':
            torch.cuda.synchronize()
        return time.perf_counter() - start

    rows = []
    for sampler in args.samplers:
        generator = copy.deepcopy(base)
        timed(generator, sampler, 1)  # warm-up
        per_step = timed(generator, sampler, args.steps) / args.steps
        rows += [(sampler, 'per reverse step', f'{per_step:.3f}', f'measured, mean of {args.steps}'),
                 (sampler, f'T = {base.num_steps} steps', f'{per_step * base.num_steps:.2f}',
                  'extrapolated from the per-step time')]
        if args.full:
            rows.append((sampler, f'T = {base.num_steps} steps', f'{timed(generator, sampler, base.num_steps):.2f}',
                         'measured end to end'))
    network = f'{args.config} ({args.checkpoint})' if args.config else 'ConditionalUNet default'
    print(f'IR-SDE sampling, {network} ({params:.2f}M params), one {args.size}x{args.size} image, '
          f'device {device}, torch threads {torch.get_num_threads()}')
    print(f'| {"sampler":<9} | {"what":<18} | {"seconds":>8} | how')
    print(f'|{"-" * 11}|{"-" * 20}|{"-" * 10}|{"-" * 40}')
    for sampler, what, seconds, how in rows:
        print(f'| {sampler:<9} | {what:<18} | {seconds:>8} | {how}')


if __name__ == '__main__':
    main()
