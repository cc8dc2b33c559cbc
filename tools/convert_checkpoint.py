"""Convert a checkpoint (an official release as published, or any layout the toolkit reads) into a
toolkit checkpoint of a config.

Usage::

    python tools/convert_checkpoint.py SRC --to CONFIG --out DST [--keep-frozen-weights]
    python tools/convert_checkpoint.py deraining.pth --to configs/restormer_rain13k.py --out restormer_rain13k.pth

SRC is read as every tool reads checkpoints (layout detected, keys mapped with the config's
``checkpoint_converter``, strictly: a key that does not map, a missing or extra key, or a
shape that differs stops the conversion and names the keys; see
``derain_toolkit/checkpoints/import_checkpoint.py``). DST is written atomically as
``dict(meta=..., state_dict=...)`` with the model's keys, the format of ``tools/train.py``,
so ``tools/test.py``, ``tools/derain.py``, ``load_model`` and ``load_from`` read it
without a converter. Frozen weights the model rebuilds from their source (CLIP) are left
out unless ``--keep-frozen-weights``.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path)

from derain_toolkit import build_model, load_config
from derain_toolkit.checkpoints.atomic_files import save_atomically
from derain_toolkit.checkpoints.frozen import drop_frozen_weights
from derain_toolkit.checkpoints.import_checkpoint import (
    CheckpointMismatchError,
    import_state,
    read_checkpoint,
)


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    """Command-line arguments of the conversion tool."""
    parser = argparse.ArgumentParser(description='Convert a checkpoint into a toolkit checkpoint of a config.')
    parser.add_argument('src', help='checkpoint to convert, e.g. the official deraining.pth')
    parser.add_argument('--to', required=True, metavar='CONFIG', help='config whose model the weights are for')
    parser.add_argument('--out', required=True, metavar='DST', help='toolkit checkpoint to write')
    parser.add_argument('--keep-frozen-weights', action='store_true',
                        help='also write frozen weights the model rebuilds from their source (e.g. CLIP)')
    return parser.parse_args(argv)


def convert(src: str, config: str, dst: str, keep_frozen_weights: bool = False) -> str:
    """Write the weights of ``src`` for the model of ``config`` to ``dst``; return how ``src`` was read."""
    if osp.abspath(src) == osp.abspath(dst):
        raise ValueError(f'--out {dst} would overwrite SRC; choose another file')
    cfg = load_config(config)
    model = build_model(cfg)
    imported = import_state(model, read_checkpoint(src), src, cfg.get('checkpoint_converter'))
    state = dict(imported.state)
    meta = dict(converted_from=osp.abspath(src), read_as=imported.description, config=osp.abspath(config))
    if not keep_frozen_weights:
        omitted = drop_frozen_weights(model, state)
        if omitted:
            meta['weights_from_source'] = omitted
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    save_atomically(dict(meta=meta, state_dict={key: value.detach().cpu() for key, value in state.items()}), dst)
    return imported.description


def main(argv: Optional[list[str]] = None) -> int:
    """Run the tool; the exit status is 0 on success, 2 when SRC does not fit CONFIG."""
    args = parse_args(argv)
    try:
        description = convert(args.src, args.to, args.out, args.keep_frozen_weights)
    except (CheckpointMismatchError, FileNotFoundError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    print(f'read {description}\nwrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
