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
from derain_toolkit.utils import tables  # noqa: E402  (after the repository is on sys.path)


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

    return tables.markdown_table(headers, [[cell(v) for v in row] for row in rows])


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


def memory_baseline(device: torch.device) -> int:
    """Bytes in use now: CUDA's allocated memory (peak counter reset), or the process's resident set."""
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
        return torch.cuda.memory_allocated(device)
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


def peak_memory_since(device: torch.device, baseline: int) -> int:
    """Peak bytes above ``baseline``: CUDA's peak allocation, or the growth of the peak resident set.

    On the CPU the peak resident set never falls, so measure one case per process.
    """
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) - baseline
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - baseline


def run_in_subprocess(script: str, case: dict) -> dict:
    """Run ``script --case JSON`` in a fresh process; its last stdout line is a JSON dict.

    Returns that dict, or ``dict(error=last line of stderr)`` when the process failed.
    """
    import json
    import subprocess
    result = subprocess.run([sys.executable, script, '--case', json.dumps(case)], capture_output=True, text=True)
    if result.returncode:
        lines = result.stderr.strip().splitlines() or [f'exit status {result.returncode}']
        return dict(error=lines[-1][:120])
    return json.loads(result.stdout.strip().splitlines()[-1])


def offline_config(path: str, **overrides: Any):
    """The config at ``path`` with every CLIP part randomly initialised (each part's own
    ``random_init_overrides``: nothing is downloaded) and ``overrides`` merged (dotted keys)."""
    from derain_toolkit import load_config
    from derain_toolkit.registry import walk_parts
    from derain_toolkit.utils.complexity import random_init

    cfg = load_config(path)
    walk_parts(cfg.model, random_init)
    cfg.merge_from_dict(overrides)
    return cfg
