"""Parameters, MACs and inference time of models, under each counting convention (CLIP-RPN Table 4).

Usage::

    python tools/complexity.py CONFIG [CONFIG ...] [--shape 1 3 256 256] [--repeats 3]
                               [--device auto|cpu|cuda] [--cfg-options KEY=VALUE ...] [--csv FILE]

Columns: :data:`LEGEND` (printed under the table and in ``--help``); the counts are
:func:`derain_toolkit.utils.complexity.complexity_of` (conventions in :mod:`derain_toolkit.utils.complexity`
and :mod:`derain_toolkit.reproduce.complexity`).

Pretrained CLIP parts are built with random weights (same size, same MACs): no weights
are needed. The paper's table itself, ours beside its figures:
``python tools/reproduce.py clip_rpn_table4``.
"""
import argparse
import csv
import os
from typing import Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path, --device cpu hides GPUs)

from derain_toolkit import load_config
from derain_toolkit.engine.options import tool_device, tool_parser
from derain_toolkit.utils.complexity import complexity_of
from derain_toolkit.utils.tables import markdown_table

COLUMNS = ('Model', 'Param (M)', 'Param run (M)', 'Trainable (M)', 'Frozen (M)', 'Param thop (M)', 'MACs (G)',
           'MACs all routes (G)',
           'MACs thop (G)', 'MACs total (G)', 'on', 'Time (s)')

#: What each column means: printed under the table and in ``--help``.
LEGEND = {
    'Param (M)': 'every parameter, in millions',
    'Param run (M)': 'parameters of the modules one inference calls (FADformer builds conv_mid layers it never '
                     'calls: 7.44 M, 6.96 M run, the paper\'s figure; NeRD-Rain 22.89 M, 22.89 M run)',
    'Trainable (M)': 'parameters with requires_grad',
    'Frozen (M)': 'the rest (the frozen CLIP of the CLIP-RPN router and of DA-CLIP)',
    'Param thop (M)': "thop 0.1.1's count, CLIP-RPN Table 4's convention (it skips custom LayerNorm "
                      'parameters, bare nn.Parameters and modules never called)',
    'MACs (G)': "multiply-accumulates of convolutions and linear layers in one model(x, mode='tensor') call at "
                'the input shape (the whole inference: every reverse step of IR-SDE), on the route the model takes',
    'MACs all routes (G)': 'the same with every route of CLIP-RPN run',
    'MACs thop (G)': "thop's count over every route (the numbers of CLIP-RPN Table 4)",
    'MACs total (G)': 'MACs (G) plus the attention matrix products (Q K^T and attention x V)',
    'on': "where the MACs were counted: 'meta' (shapes only, no compute) or 'cpu' (a random CPU tensor: CLIP "
          'routing needs real values)',
    'Time (s)': 'mean wall time of one inference at the input shape on --device after a warm-up, over --repeats '
                'runs (CLIP-RPN Table 4 reports the total test time on the Mixed set on an RTX 4090 instead: not '
                'comparable)',
}


def legend() -> str:
    """``column: meaning`` lines, one per column of :data:`LEGEND`."""
    return '\n'.join(f'  {column}: {meaning}' for column, meaning in LEGEND.items())


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    """Command-line arguments of the complexity tool."""
    parser = tool_parser('Parameters, MACs and inference time (CLIP-RPN Table 4).', 'device', 'cfg_options',
                         formatter_class=argparse.RawDescriptionHelpFormatter, epilog=f'columns:\n{legend()}')
    parser.add_argument('configs', nargs='+', help='model configs')
    parser.add_argument('--shape', type=int, nargs=4, default=(1, 3, 256, 256), metavar=('B', 'C', 'H', 'W'),
                        help='input shape for MACs and time (default 1 3 256 256, as Table 4)')
    parser.add_argument('--repeats', type=int, default=3, help='timed inferences per model (0: skip timing)')
    parser.add_argument('--csv', help='also write the table to this CSV file')
    return parser.parse_args(argv)


def measure(config: str, shape: tuple[int, ...], repeats: int, cfg_options: dict) -> dict:
    """One row of the table for ``config``."""
    cfg = load_config(config)
    cfg.merge_from_dict(cfg_options)
    return {'Model': os.path.splitext(os.path.basename(config))[0], **complexity_of(cfg, shape, repeats)}


def format_table(rows: list[dict], shape: tuple[int, ...], device: str) -> str:
    """The Markdown table (Table 4 layout plus the parameter split)."""
    def cell(value) -> str:
        if value is None:
            return '—'
        return f'{value:.2f}' if isinstance(value, float) else str(value)

    return (f'MACs at {"x".join(map(str, shape))}; time per inference on {device}.\n\n'
            + markdown_table(COLUMNS, [[cell(row[c]) for c in COLUMNS] for row in rows])
            + f'\n\nColumns:\n{legend()}')


def main(argv: Optional[list[str]] = None) -> list[dict]:
    """Measure every config, print the table, return its rows."""
    args = parse_args(argv)
    device = tool_device(args.device)
    shape = tuple(args.shape)
    rows = [measure(config, shape, args.repeats, args.cfg_options) for config in args.configs]
    print(format_table(rows, shape, device))
    if args.csv:
        with open(args.csv, 'w', newline='') as file:
            writer = csv.DictWriter(file, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    return rows


if __name__ == '__main__':
    main()
