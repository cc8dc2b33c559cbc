"""Derain image files, folders or globs with a trained model.

Usage::

    python tools/derain.py CONFIG CHECKPOINT|MODEL.onnx INPUT [INPUT ...] --out DIR
        [--tile N] [--tile-overlap N] [--precision auto|fp32|bf16|fp16]
        [--device auto|cpu|cuda] [--compare [--all-masks]] [--cfg-options KEY=VALUE ...]

Inputs: image files (any name), folders (every image file below them, by suffix, GIFs
included) and glob patterns (``'rain/**/*.png'``, quoted). Each output is written to
``DIR`` in its input's format and bit depth (8- or 16-bit, grayscale, RGBA with the alpha
kept), named like its input (relative to the folder it was found in); two inputs that
would share an output name are refused before anything runs. Pixels are turned upright
as the EXIF orientation says. A GIF is derained as its first frame and written as PNG;
an animated one is named with a warning (``derain_toolkit/utils/image_files.py``). With ``--compare``,
``DIR/compare/<name>.png`` shows rainy | derained (| predicted rain mask, for models
that predict one) side by side. ``--all-masks`` puts the mask of every level there
instead of the finest alone, coarsest first, each upsampled to the image: CLIP-RPN's
Fig. 9 (one mask per MGCA level; three for the paper's 4-level U-Net)::

    python tools/derain.py configs/clip_rpn_rain100h.py CKPT rainy.png --out fig9 --compare --all-masks

Images of any size are padded by the network and cropped back; large ones are tiled
automatically when they would not fit in memory (``--tile`` forces a tile size, ``--tile
0`` the whole image); see ``derain_toolkit/inference.py``. Tiling changes the output of
models with parts that see the whole input (MDTA's channel attention in Restormer, DDSA,
DRSformer, PromptIR and CLIP-RPN; MPRNet's channel attention; the CLIP router): each tile
is derained with its own statistics, and the tool warns when it tiles such a model.
Prefer the whole image, or the largest tile that fits (docs/inference.md measures it).

A ``.onnx`` model file (``tools/export_onnx.py``) runs on ONNX Runtime (CPU, float32; needs
``pip install -e .[deploy]``) with the same options and outputs.

Diffusion models (IR-SDE, DA-CLIP) sample with the config's ``model.generator.sampler``;
``--cfg-options`` changes it, e.g. the MR Sampler at 10 network evaluations instead of 100::

    python tools/derain.py configs/irsde_daclip_rain100h.py CKPT rainy.png --out out \
        --cfg-options model.generator.sampler.type=MRSampler model.generator.sampler.steps=10

Unreadable or corrupt files are reported by name and skipped; an output that would
replace its input is refused. The closing summary counts the failures and the exit
status is 1 when any file failed (2 when the model cannot be loaded).
"""
import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path, --device cpu hides GPUs)
import numpy as np
from tqdm import tqdm

from derain_toolkit.build import load_config
from derain_toolkit.engine.options import tool_device, tool_parser
from derain_toolkit.inference import Backend, check_tiling, derain, load_backend
from derain_toolkit.utils.image_files import animation_frames, collect_inputs, output_clashes
from derain_toolkit.utils.image_io import ImageReadError, read_image, write_image

_MAX_VALUE = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    """Command-line arguments of the derain tool."""
    parser = tool_parser('Derain images with a trained model.', 'device', 'precision', 'cfg_options')
    parser.epilog = ("Diffusion models sample with the config's model.generator.sampler; choose another with "
                     '--cfg-options, e.g. model.generator.sampler.type=MRSampler model.generator.sampler.steps=10 '
                     '(the MR Sampler, 10 network evaluations instead of 100; registered samplers: '
                     'python tools/list_components.py samplers).')
    parser.add_argument('config', help='config file the model was trained with')
    parser.add_argument('checkpoint', help='checkpoint file, e.g. work_dirs/<config>/iter_300000.pth, '
                        'or a .onnx file of tools/export_onnx.py (ONNX Runtime)')
    parser.add_argument('inputs', nargs='+', metavar='INPUT', help='image files, folders or glob patterns')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--tile', type=int, default=None,
                        help='tile side in pixels (default: automatic, whole image when it fits; 0: never tile). '
                        'Tiles change the output of models whose parts see the whole input (Restormer-family '
                        'channel attention, CLIP routing): a warning names them; prefer 0 or large tiles')
    parser.add_argument('--tile-overlap', type=int, default=32, help='overlap of neighbouring tiles in pixels')
    parser.add_argument('--compare', action='store_true',
                        help='also write DIR/compare/<name>.png: rainy | derained (| rain mask)')
    parser.add_argument('--all-masks', action='store_true',
                        help='with --compare: the rain mask of every level, coarsest first (CLIP-RPN Fig. 9)')
    return parser.parse_args(argv)


def _as_rgb(image: np.ndarray) -> np.ndarray:
    """H x W x 3 view of a grayscale, RGB or RGBA image (alpha dropped) for the comparison strip."""
    image = image[:, :, None] if image.ndim == 2 else image
    return np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image[:, :, :3]


def compare_strip(rainy: np.ndarray, derained: np.ndarray, masks: Sequence[np.ndarray] = ()) -> np.ndarray:
    """rainy | derained | each mask as gray, side by side, in the images' dtype."""
    panels = [_as_rgb(rainy), _as_rgb(derained)]
    for mask in masks:
        gray = np.rint(np.clip(mask, 0, 1) * _MAX_VALUE[rainy.dtype]).astype(rainy.dtype)
        panels.append(_as_rgb(gray))
    return np.concatenate(panels, axis=1)


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))


def derain_one(backend: Backend, source: Path, target: Path, args: argparse.Namespace, compare_dir: Path) -> None:
    """Derain ``source`` into ``target`` (and its comparison strip); raises on any failure."""
    if _same_file(source, target):
        raise ValueError(f'the output {target} would overwrite the input; choose another --out folder')
    image = read_image(source, exif_orientation=True)
    with tqdm(desc=f'tiles of {source.name}', unit='tile', file=sys.stderr, leave=False, disable=None) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = derain(backend, image, tile=args.tile, tile_overlap=args.tile_overlap, precision=args.precision,
                        progress=progress)
    write_image(target, result.image)
    if args.compare:
        masks = result.level_masks if args.all_masks else [result.mask] if result.mask is not None else []
        write_image((compare_dir / target.relative_to(args.out)).with_suffix('.png'),
                    compare_strip(image, result.image, masks))


def main(argv: Optional[list[str]] = None) -> int:
    """Run the tool; returns the exit status (0: all done, 1: some files failed, 2: cannot start)."""
    args = parse_args(argv)
    inputs, unmatched = collect_inputs(args.inputs)
    for pattern in unmatched:
        print(f'warning: {pattern!r} matched no image file', file=sys.stderr)
    if not inputs:
        print('error: no input images found; give image files, folders or quoted glob patterns', file=sys.stderr)
        return 2
    clashes = output_clashes(inputs)
    for name, sources in clashes.items():
        print(f"error: {', '.join(map(str, sources))} would all be written to {Path(args.out) / name}; "
              'derain them into separate --out folders (or rename them)', file=sys.stderr)
    try:
        check_tiling(args.tile, args.tile_overlap)
    except ValueError as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    if clashes:
        return 2
    for source, name in inputs:
        frames = animation_frames(source)
        if frames > 1:
            print(f'warning: {source} is animated ({frames} frames): only its first frame is derained, '
                  f'written as {Path(args.out) / name}', file=sys.stderr)
    try:
        cfg = load_config(args.config)
        cfg.merge_from_dict(args.cfg_options)
        backend = load_backend(cfg, args.checkpoint, device=tool_device(args.device))
        choice = backend.resolve_precision(args.precision)
    except (FileNotFoundError, ImportError, ValueError, KeyError, RuntimeError, TypeError) as error:
        print(f'error: cannot load the model: {error}', file=sys.stderr)
        return 2
    print(f'precision: {choice.precision} ({choice.reason})', file=sys.stderr)
    args.precision = choice.precision
    args.out = Path(args.out)
    failures: list[tuple[Path, str]] = []
    for source, name in tqdm(inputs, desc='derain', unit='image', file=sys.stderr):
        try:
            derain_one(backend, source, args.out / name, args, args.out / 'compare')
        except ImageReadError as error:
            failures.append((source, error.reason))
        except (OSError, ValueError, RuntimeError) as error:
            failures.append((source, str(error)))
        else:
            continue
        tqdm.write(f'failed: {failures[-1][0]}: {failures[-1][1]}', file=sys.stderr)
    done = len(inputs) - len(failures)
    print(f'derained {done} of {len(inputs)} images into {args.out}; {len(failures)} failed')
    for source, reason in failures:
        print(f'  {source}: {reason}')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
