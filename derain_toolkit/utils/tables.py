"""The one Markdown table writer of the toolkit, its tools and its benchmarks."""
from collections.abc import Sequence


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub Markdown table of already formatted cells: a header row, ``| --- |`` and one line per row.

    Raises:
        ValueError: A row whose length differs from the header's.
    """
    wrong = [row for row in rows if len(row) != len(header)]
    if wrong:
        raise ValueError(f'markdown_table: every row needs {len(header)} cells (the header {list(header)}); '
                         f'got {wrong[0]!r}')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + ' --- |' * len(header)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)
