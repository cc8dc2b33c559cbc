"""Print every registered part of derain-toolkit, by kind.

Usage::

    python tools/list_components.py [KIND ...]

KIND is a key of ``derain_toolkit.registry.PART_REGISTRIES`` (``backbones``,
``attention``, ``losses``, ...); without one, every kind is listed. Parts of plugins
appear when their modules are imported (``custom_imports`` in a config).
"""
import argparse
from typing import Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path)

from derain_toolkit.registry import PART_REGISTRIES


def registered_parts(kinds: Optional[list[str]] = None) -> dict[str, list[str]]:
    """``{kind: sorted part names}`` after importing every registry's locations."""
    kinds = kinds or list(PART_REGISTRIES)
    unknown = [kind for kind in kinds if kind not in PART_REGISTRIES]
    if unknown:
        raise SystemExit(f'unknown kind(s) {unknown}; expected any of {list(PART_REGISTRIES)}')
    for registry in PART_REGISTRIES.values():
        registry.import_from_location()
    return {kind: sorted(PART_REGISTRIES[kind].module_dict) for kind in kinds}


def main(argv: Optional[list[str]] = None) -> None:
    """Print the parts, one kind per block."""
    parser = argparse.ArgumentParser(description='List the registered parts of derain-toolkit.')
    parser.add_argument('kinds', nargs='*', metavar='KIND', help=f'any of {list(PART_REGISTRIES)}')
    for kind, names in registered_parts(parser.parse_args(argv).kinds).items():
        print(f'{kind} ({len(names)}):')
        for name in names:
            print(f'  {name}')


if __name__ == '__main__':
    main()
