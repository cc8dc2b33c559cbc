"""Write a reproduced table: ``table.md``, ``table.csv``, ``table.png`` (and ``curves.png``).

Each cell shows our number, the paper's and the difference (ours - paper):
``31.20 / 36.21 (-5.01)`` (no difference for the spec's ``uncompared`` metrics, e.g.
Table 4's time, measured on another machine and another test set); ``—`` stands for a
number that is missing (the paper has none, or the run failed: the failure is listed
under the table). The ``Average`` group is the mean of our dataset columns, as the
papers compute theirs. The title names the budget, so a smoke table is never mistaken
for a reproduction. The rainy input, scored by the same test runs, comes first as a
reference row (the spec's ``input_row``) when the runs measured it.

The plot is PSNR (and every other metric) against the swept value for ``sweep`` specs
(Figs. 7-8), or grouped bars per row otherwise; the paper's numbers, where it has them,
are drawn beside ours. Specs with ``validation_curves`` also get ``curves.png``: each
row's validation metrics against training iterations (CLIP-RPN Fig. 6).
"""
import csv
import os
from dataclasses import dataclass
from typing import Optional

import numpy as np

from derain_toolkit.reproduce.budgets import Budget
from derain_toolkit.reproduce.runner import RunOutcome
from derain_toolkit.reproduce.table_spec import AVERAGE, TableSpec
from derain_toolkit.utils.tables import markdown_table

DASH = '—'


INPUT_INDEX = 0  # row index of the rainy-input reference row


@dataclass(frozen=True)
class _Line:
    """A printed row: a spec row, or the rainy-input reference row (index 0)."""

    index: int
    label: str
    published: tuple[Optional[float], ...]


def measured_cells(spec: TableSpec, outcomes: list[RunOutcome]) -> dict[int, dict[tuple[str, str], float]]:
    """Our number per row index and ``(dataset, metric)``, with the ``Average`` group filled in.

    Index 0 is the rainy input (the first run that scored it on each dataset: every run
    of a dataset tests the same images).
    """
    table: dict[int, dict[tuple[str, str], float]] = {row.index: {} for row in spec.rows}
    table[INPUT_INDEX] = {}
    for outcome in outcomes:
        for dataset, values in outcome.cells.items():
            for metric, value in values.items():
                table[outcome.row.index][(dataset, metric)] = value
        for dataset, values in outcome.input_cells.items():
            for metric, value in values.items():
                table[INPUT_INDEX].setdefault((dataset, metric), value)
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


def _lines(spec: TableSpec, ours: dict) -> list[_Line]:
    """The printed rows: the rainy input first (when the spec has it and a run measured it), then the spec's."""
    lines = [_Line(row.index, row.label, row.published) for row in spec.rows]
    if spec.input_row is not None and ours[INPUT_INDEX]:
        lines.insert(0, _Line(INPUT_INDEX, spec.input_row.label, spec.input_row.published))
    return lines


def _diff(spec: TableSpec, metric: str, value: Optional[float], paper: Optional[float]) -> Optional[float]:
    if value is None or paper is None or metric in spec.uncompared:
        return None
    return value - paper


def title(spec: TableSpec, budget: Budget) -> str:
    """E.g. ``CLIP-RPN Table 10: Ablation study of components. — budget: smoke (...)``; specs
    that train nothing say so instead of naming the budget."""
    caption = f': {spec.caption}' if spec.caption else ''
    if spec.kind == 'complexity':
        return f'{spec.paper} {spec.table}{caption} — no training: the configs as written'
    if spec.kind == 'perception' and not budget.synthetic:
        return f'{spec.paper} {spec.table}{caption} — no training: the datasets and CLIP as configured'
    return f'{spec.paper} {spec.table}{caption} — budget: {budget.describe()}'


def write_markdown(path: str, spec: TableSpec, budget: Budget, outcomes: list[RunOutcome]) -> None:
    """``table.md``: one row per spec row (the rainy input first), a cell ``ours / paper (diff)`` per column."""
    ours = measured_cells(spec, outcomes)
    seconds = {row.index: sum(o.seconds for o in outcomes if o.row.index == row.index) for row in spec.rows}
    header = (['Row'] + [f'{d} {m}' + (' ↓' if m in spec.lower_is_better else '') for d, m in spec.columns]
              + ['run time (s)'])
    lines = [f'## {title(spec, budget)}', '',
             'Each cell: ours / paper (ours − paper)' + ('; ↓: lower is better.' if spec.lower_is_better else '.'),
             '']
    rows = []
    for line in _lines(spec, ours):
        cells = [line.label]
        for column, (dataset, metric) in enumerate(spec.columns):
            decimals = _decimals(spec, column, metric)
            value, paper = ours[line.index].get((dataset, metric)), line.published[column]
            diff = _diff(spec, metric, value, paper)
            cells.append(f'{_fmt(value, decimals)} / {_fmt(paper, decimals)}'
                         + ('' if diff is None else f' ({diff:+.{decimals}f})'))
        cells.append(f'{seconds[line.index]:.1f}' if line.index in seconds else DASH)
        rows.append(cells)
    lines.append(markdown_table(header, rows))
    machines = sorted({o.machine for o in outcomes if o.machine})
    if machines:
        lines += ['', 'Measured on: ' + '; '.join(machines)]
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
    lines += ['', 'Configs: ' + '; '.join(f'{row.label}: ' + ', '.join(_run_config(r) for r in row.runs)
                                            for row in spec.rows)]
    with open(path, 'w') as file:
        file.write('\n'.join(lines) + '\n')


def _run_config(run) -> str:
    """``configs/x.py`` or ``configs/x.py on configs/_base_/datasets/y.py`` (a per-column data swap)."""
    text = os.path.relpath(run.config)
    return f'{text} on {os.path.relpath(run.data_config)}' if run.data_config else text


def write_csv(path: str, spec: TableSpec, budget: Budget, outcomes: list[RunOutcome]) -> None:
    """``table.csv``: per column ``ours``, ``paper`` and ``diff``, empty where missing (row 0: the rainy input)."""
    ours = measured_cells(spec, outcomes)
    x = {row.index: row.x for row in spec.rows}
    header = ['budget', 'row', 'label', 'x']
    for dataset, metric in spec.columns:
        header += [f'{dataset} {metric} ours', f'{dataset} {metric} paper', f'{dataset} {metric} diff']
    with open(path, 'w', newline='') as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for line in _lines(spec, ours):
            fields = [budget.name, line.index, line.label, '' if x.get(line.index) is None else x[line.index]]
            for column, (dataset, metric) in enumerate(spec.columns):
                value, paper = ours[line.index].get((dataset, metric)), line.published[column]
                diff = _diff(spec, metric, value, paper)
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
    figure.suptitle(f'{spec.paper} {spec.table}\nbudget: {budget.describe()}', fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_curves(path: str, spec: TableSpec, budget: Budget, outcomes: list[RunOutcome]) -> None:
    """``curves.png``: validation metrics against iterations, one line per row, for the runs of
    ``spec.validation_curves['dataset']`` (CLIP-RPN Fig. 6: PSNR and SSIM of the four losses)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    dataset = spec.validation_curves['dataset']
    runs = [o for o in outcomes if o.validation and dataset in o.run.datasets]
    figure, axes = plt.subplots(1, len(spec.metrics), figsize=(5.5 * len(spec.metrics), 4), squeeze=False)
    for axis, metric in zip(axes[0], spec.metrics):
        key = spec.metric_key(metric)
        for outcome in runs:
            points = [(p['step'], p[key]) for p in outcome.validation if key in p]
            if points:
                steps, values = zip(*points)
                axis.plot(steps, values, 'o-', label=outcome.row.label)
        axis.set_xlabel('training iteration')
        axis.set_ylabel(f'validation {metric} ({dataset})')
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f'{spec.validation_curves.get("title", spec.table)}\nbudget: {budget.describe()}', fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_report(out_dir: str, spec: TableSpec, budget: Budget, outcomes: list[RunOutcome]) -> dict[str, str]:
    """Write ``table.md``, ``table.csv``, ``table.png`` (and ``curves.png``) into ``out_dir``; return their paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {ext: os.path.join(out_dir, f'table.{ext}') for ext in ('md', 'csv', 'png')}
    write_markdown(paths['md'], spec, budget, outcomes)
    write_csv(paths['csv'], spec, budget, outcomes)
    write_plot(paths['png'], spec, budget, outcomes)
    if spec.validation_curves:
        paths['curves'] = os.path.join(out_dir, 'curves.png')
        write_curves(paths['curves'], spec, budget, outcomes)
    return paths
