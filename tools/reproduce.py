"""Reproduce a paper table: train and test every row, write ours beside the paper's numbers.

Usage::

    python tools/reproduce.py TABLE [--budget smoke|small|paper] [--work-dir DIR]
                              [--device auto|cpu|cuda] [--verbose]

``TABLE`` is a spec file or a name under ``configs/tables/`` (``clip_rpn_table10``).
Rows whose ``results.json`` exists are skipped, so a killed run resumes where it stopped.
``table.md``, ``table.csv`` and ``table.png`` are written to the work dir (default
``work_dirs/reproduce/<table>/<budget>``), and ``curves.png`` for specs that record
validation curves (``clip_rpn_table11``: CLIP-RPN Fig. 6). Budgets are in
``derain_toolkit/reproduce/budgets.py``; ``smoke`` runs a table on a CPU in minutes
(synthetic data, tiny models: it checks the pipeline, its numbers are not the paper's).
A spec's ``companions`` (``sota_rain200`` -> ``sota_rain200_complexity``) run after it, each in
``<work dir>/<companion>``. Specs that train nothing: ``clip_rpn_table4`` (parameters, MACs and time of the configs
as written, whatever the budget) and the perception tables ``clip_rpn_table1``, 2, 7, 8
and 9 (``smoke``: tiny random CLIP on synthetic rain; ``paper``: ViT-B/32 on the datasets).
"""
import argparse
import os
import sys
from typing import Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path, --device cpu hides GPUs)

from derain_toolkit.engine.options import tool_device, tool_parser
from derain_toolkit.reproduce import (
    BUDGETS,
    Budget,
    TableSpec,
    get_budget,
    load_table_spec,
    reproduce,
    write_report,
)


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    """Command-line arguments of the reproduction tool."""
    parser = tool_parser('Reproduce a paper table from its spec.', 'device')
    parser.add_argument('table', help='spec file or name in configs/tables/, e.g. clip_rpn_table10')
    parser.add_argument('--budget', default='smoke', choices=sorted(BUDGETS), help='compute budget (default smoke)')
    parser.add_argument('--work-dir', help='output folder (default work_dirs/reproduce/<table>/<budget>)')
    parser.add_argument('--verbose', action='store_true', help='show the runs\' mmengine logs (INFO)')
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the reproduction; return 0 when every run succeeded, 1 otherwise."""
    args = parse_args(argv)
    tool_device(args.device)
    spec = load_table_spec(args.table, repo_root=_bootstrap.REPO_ROOT)
    budget = get_budget(args.budget)
    work_dir = args.work_dir or os.path.join('work_dirs', 'reproduce', spec.name, budget.name)
    failed = _run_and_report(spec, budget, work_dir, args.verbose)
    for companion in spec.companions:
        companion_spec = load_table_spec(companion, repo_root=_bootstrap.REPO_ROOT)
        failed += _run_and_report(companion_spec, budget, os.path.join(work_dir, companion_spec.name), args.verbose)
    return 1 if failed else 0


def _run_and_report(spec: TableSpec, budget: Budget, work_dir: str, verbose: bool) -> int:
    """Reproduce one spec, print its table; return the number of failed runs."""
    outcomes = reproduce(spec, budget, work_dir, progress=True, log_level='INFO' if verbose else 'ERROR')
    paths = write_report(work_dir, spec, budget, outcomes)
    with open(paths['md']) as file:
        print(file.read())
    print('Wrote ' + ', '.join(paths.values()))
    return sum(1 for o in outcomes if o.error)


if __name__ == '__main__':
    sys.exit(main())
