"""DDSA against Restormer: parameters, MACs and time per forward on the same input.

Usage::

    python benchmarks/ddsa_vs_restormer.py [--size 256] [--repeats 3] [--device auto|cpu|cuda]

MACs are FLOPs / 2 from :class:`torch.utils.flop_counter.FlopCounterMode` on one
``(1, 3, size, size)`` forward of the backbone: convolutions and the attention matrix
products (``q k^T`` and ``attn v``) are counted; element-wise work (softmax, the top-k
selection and masking of DDSA's sparse branch, norms, GELU) is not. Time is the median
wall-clock of ``--repeats`` forwards after one warm-up, under ``torch.no_grad``; the
models take turns, so a change in machine load affects both alike.
"""
import torch
from _common import ROOT, time_in_turns

from derain_toolkit import build_model
from derain_toolkit.engine.options import resolve_device, tool_parser
from derain_toolkit.utils.complexity import count_macs, count_parameters

MODELS = {
    'Restormer': ROOT / 'configs' / 'restormer_rain13k.py',
    'DDSA': ROOT / 'configs' / 'ddsa_rain13k.py',
}


def main() -> None:
    parser = tool_parser(__doc__.split('\n')[0], 'device')
    parser.add_argument('--size', type=int, default=256, help='input height and width')
    parser.add_argument('--repeats', type=int, default=3, help='timed forwards per model')
    args = parser.parse_args()
    args.device = str(resolve_device(args.device))

    torch.manual_seed(0)
    x = torch.rand(1, 3, args.size, args.size, device=args.device)
    networks = [build_model(config).backbone.to(args.device).eval() for config in MODELS.values()]
    with torch.no_grad():
        seconds = time_in_turns([lambda net=net: net(x) for net in networks], args.repeats, x.device)
    rows = []
    for name, network, sec in zip(MODELS, networks, seconds):
        macs = count_macs(network, x)
        rows.append((name, count_parameters(network) / 1e6, macs['conv'] / 1e9, macs['matmul'] / 1e9,
                     macs['total'] / 1e9, sec * 1e3))
    threads = torch.get_num_threads() if args.device == 'cpu' else '-'
    print(f'Input 1x3x{args.size}x{args.size}, device {args.device}, torch threads {threads}, '
          f'median of {args.repeats} forwards')
    print('| Model | Params (M) | Conv GMACs | Attn matmul GMACs | Total GMACs | ms / forward |')
    print('| --- | --- | --- | --- | --- | --- |')
    for name, params, conv, matmul, total, ms in rows:
        print(f'| {name} | {params:.2f} | {conv:.2f} | {matmul:.2f} | {total:.2f} | {ms:.0f} |')


if __name__ == '__main__':
    main()
