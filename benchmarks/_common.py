"""Helpers shared by the benchmark scripts: timing in turns, markdown tables and CSV output."""
import csv
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional

import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def time_in_turns(calls: Sequence[Callable[[], Any]], repeats: int, device: Optional[torch.device] = None
                  ) -> list[float]:
    """Median seconds of each call over ``repeats`` rounds after one warm-up round.

    The calls take turns within every round, so a change in machine load (the CPU is
    shared) affects all of them alike.
    """
    times: list[list[float]] = [[] for _ in calls]
    for round_index in range(repeats + 1):
        for call, call_times in zip(calls, times):
            if device is not None and device.type == 'cuda':
                torch.cuda.synchronize(device)
            start = time.perf_counter()
            call()
            if device is not None and device.type == 'cuda':
                torch.cuda.synchronize(device)
            if round_index:
                call_times.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub markdown table; floats keep 4 significant digits."""
    def cell(value: Any) -> str:
        return f'{value:.4g}' if isinstance(value, float) else str(value)

    lines = ['| ' + ' | '.join(headers) + ' |', '| ' + ' | '.join('---' for _ in headers) + ' |']
    lines += ['| ' + ' | '.join(cell(v) for v in row) + ' |' for row in rows]
    return '\n'.join(lines)


def write_csv(path: Optional[str], headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write the table to ``path`` as CSV (nothing when ``path`` is None)."""
    if path is None:
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', newline='') as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    print(f'wrote {path}')
