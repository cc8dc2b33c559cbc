"""Write a reproduced table: ``table.md``, ``table.csv`` and ``table.png``.

Each cell shows our number, the paper's and the difference (ours - paper):
``31.20 / 36.21 (-5.01)``; ``—`` stands for a number that is missing (the paper has
none, or the run failed: the failure is listed under the table). The ``Average``
group is the mean of our dataset columns, as the papers compute theirs. The title names
the budget, so a smoke table is never mistaken for a reproduction.

The plot is PSNR (and every other metric) against the swept value for ``sweep`` specs
(Figs. 7-8), or grouped bars per row otherwise; the paper's numbers, where it has them,
are drawn beside ours.
"""
import csv
import os
from typing import Optional

import numpy as np

from derain_toolkit.reproduce.budgets import Budget
from derain_toolkit.reproduce.runner import RunOutcome
from derain_toolkit.reproduce.table_spec import AVERAGE, TableSpec

DASH = '—'


def measured_cells(spec: TableSpec, outcomes: list[RunOutcome]) -> dict[int, dict[tuple[str, str], float]]:
    """Our number per row index and ``(dataset, metric)``, with the ``Average`` group filled in."""
    table: dict[int, dict[tuple[str, str], float]] = {row.index: {} for row in spec.rows}
    for outcome in outcomes:
        for dataset, values in outcome.cells.items():
            for metric, value in values.items():
                table[outcome.row.index][(dataset, metric)] = value
    if spec.average:
        for cells in table.values():
            for metric in spec.metrics:
                values = [cells.get((d, metric)) for d in spec.datasets]
                if all(v is not None for v in values):
                    cells[(AVERAGE, metric)] = float(np.mean(values))
    return table


def _decimals(spec: TableSpec, column: int, metric: str) -> int:
    """The spec's ``decimals`` for ``metric``, else 2 for PSNR and 4 for the rest, or more
    when the paper prints more (a float drops trailing zeros: 30.90 reads as 30.9)."""
    if metric in spec.decimals:
        return spec.decimals[metric]
    published = [repr(row.published[column]) for row in spec.rows if row.published[column] is not None]
    printed = [len(text.split('.')[1]) for text in published if '.' in text]
    return max([2 if metric == 'PSNR' else 4] + printed)


def _fmt(value: Optional[float], decimals: int) -> str:
    return DASH if value is None else f'{value:.{decimals}f}'


def title(spec: TableSpec, budget: Budget) -> str:
    """E.g. ``CLIP-RPN Table 10: Ablation study of components. — budget: smoke (...)``."""
    caption = f': {spec.caption}' if spec.caption else ''
    return f'{spec.paper} {spec.table}{caption} — budget: {budget.describe()}'


def write_markdown(path: str, spec: TableSpec, budget: Budget, outcomes: list[RunOutcome]) -> None:
    """``table.md``: one row per spec row, a cell ``ours / paper (diff)`` per column."""
    ours = measured_cells(spec, outcomes)
    seconds = {row.index: sum(o.seconds for o in outcomes if o.row.index == row.index) for row in spec.rows}
    header = (['Row'] + [f'{d} {m}' + (' ↓' if m in spec.lower_is_better else '') for d, m in spec.columns]
              + ['time (s)'])
    lines = [f'## {title(spec, budget)}', '',
             'Each cell: ours / paper (ours − paper)' + ('; ↓: lower is better.' if spec.lower_is_better else '.'),
             '',
             '| ' + ' | '.join(header) + ' |', '|' + ' --- |' * len(header)]
    for row in spec.rows:
        cells = [row.label]
        for column, (dataset, metric) in enumerate(spec.columns):
            decimals = _decimals(spec, column, metric)
            value, paper = ours[row.index].get((dataset, metric)), row.published[column]
            diff = f' ({value - paper:+.{decimals}f})' if value is not None and paper is not None else ''
            cells.append(f'{_fmt(value, decimals)} / {_fmt(paper, decimals)}{diff}')
        cells.append(f'{seconds[row.index]:.1f}')
        lines.append('| ' + ' | '.join(cells) + ' |')
    unmeasured = [f'{o.row.label}: ' + ', '.join(o.missing) for o in outcomes if o.missing]
    if unmeasured:
        lines += ['', 'Not measured (the test run did not report these metrics):']
        lines += [f'- {line}' for line in unmeasured]
    failures = [o for o in outcomes if o.error]
    if failures:
        lines += ['', 'Failed runs (retried on the next call):']
        lines += [f'- {o.row.label} / {o.run.name}: {o.error}' for o in failures]
    if spec.note:
        lines += ['', f'Note: {spec.note}']
    lines += ['', 'Configs: ' + '; '.join(f'{row.label}: ' + ', '.join(os.path.relpath(r.config) for r in row.runs)
                                            for row in spec.rows)]
    with open(path, 'w') as file:
        file.write('\n'.join(lines) + '\n')


def write_csv(path: str, spec: TableSpec, budget: Budget, outcomes: list[RunOutcome]) -> None:
    """``table.csv``: per column ``ours``, ``paper`` and ``diff`` fields; empty where missing."""
    ours = measured_cells(spec, outcomes)
    header = ['budget', 'row', 'label', 'x']
    for dataset, metric in spec.columns:
        header += [f'{dataset} {metric} ours', f'{dataset} {metric} paper', f'{dataset} {metric} diff']
    with open(path, 'w', newline='') as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for row in spec.rows:
            fields = [budget.name, row.index, row.label, '' if row.x is None else row.x]
            for column, key in enumerate(spec.columns):
                value, paper = ours[row.index].get(key), row.published[column]
                diff = value - paper if value is not None and paper is not None else None
                fields += ['' if v is None else repr(round(v, 6)) for v in (value, paper, diff)]
            writer.writerow(fields)


def write_plot(path: str, spec: TableSpec, budget: Budget, outcomes: list[RunOutcome]) -> None:
    """``table.png``: metric vs swept value (``sweep``) or grouped bars per row (``bars``)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    ours = measured_cells(spec, outcomes)
    figure, axes = plt.subplots(1, len(spec.metrics), figsize=(5.5 * len(spec.metrics), 4), squeeze=False)
    for axis, metric in zip(axes[0], spec.metrics):
        columns = [(i, d) for i, (d, m) in enumerate(spec.columns) if m == metric]
        if spec.plot['kind'] == 'sweep':
            rows = sorted(spec.rows, key=lambda r: r.x)
            xs = [r.x for r in rows]
            for column, dataset in columns:
                ys = [ours[r.index].get((dataset, metric), np.nan) for r in rows]
                line, = axis.plot(xs, ys, 'o-', label=f'{dataset} (ours)')
                paper = [np.nan if r.published[column] is None else r.published[column] for r in rows]
                if not np.all(np.isnan(paper)):
                    axis.plot(xs, paper, 's--', color=line.get_color(), label=f'{dataset} (paper)')
            axis.set_xlabel(spec.plot.get('x_label', 'x'))
        else:
            width = 0.8 / len(spec.rows)
            for k, row in enumerate(spec.rows):
                positions = np.arange(len(columns)) + (k - (len(spec.rows) - 1) / 2) * width
                heights = [ours[row.index].get((d, metric), np.nan) for _, d in columns]
                axis.bar(positions, heights, width, label=row.label)
                paper = [np.nan if row.published[c] is None else row.published[c] for c, _ in columns]
                axis.plot(positions, paper, 'k_', markersize=12, markeredgewidth=2,
                          label='paper' if k == 0 else None)
            axis.set_xticks(np.arange(len(columns)), [d for _, d in columns])
        axis.set_ylabel(metric)
        axis.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc='upper left', bbox_to_anchor=(1.02, 1.0))
    figure.suptitle(f'{spec.paper} {spec.table} — budget: {budget.name}', fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_report(out_dir: str, spec: TableSpec, budget: Budget, outcomes: list[RunOutcome]) -> dict[str, str]:
    """Write ``table.md``, ``table.csv`` and ``table.png`` into ``out_dir``; return their paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {ext: os.path.join(out_dir, f'table.{ext}') for ext in ('md', 'csv', 'png')}
    write_markdown(paths['md'], spec, budget, outcomes)
    write_csv(paths['csv'], spec, budget, outcomes)
    write_plot(paths['png'], spec, budget, outcomes)
    return paths
