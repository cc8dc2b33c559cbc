"""Write synthetic rain pairs to disk, on the packaged photos or on your own images.

On the packaged photos (default): writes ``rain-N.png`` / ``norain-N.png`` (N = 1 .. num,
unpadded like the Rain100 training sets) and ``patterns.csv`` (one row per pair: pattern,
angle and all rain parameters, the clean source). The pairs are exactly those of
``SyntheticRainDataset(num_samples=num, image_size=..., seed=...)``, index N - 1.

On your own images (``--images`` files, folders or quoted globs): each image gets rain
rendered at its own size (converted to 8-bit RGB; alpha dropped, grayscale replicated),
written as ``OUT/<name>.png`` (names relative to a given folder are kept); with
``--keep-clean`` as ``OUT/rain/<name>.png`` beside its clean 8-bit copy
``OUT/norain/<name>.png``, a pair layout the datasets read (``layout='rain800_folders'``).
The patterns cycle over the images in order; image i is seeded by ``(seed, i)``.
Streak length, width and density are in pixels, sized for images of a few hundred pixels
(Rain100L/H are 481x321): resize large photos first for the same look.

Examples:
    python tools/make_synthetic_rain.py data/Synthetic/train --num 800 --seed 0
    python tools/make_synthetic_rain.py rainy_photos/ --images my_photos/ holiday.jpg --patterns heavy --keep-clean
"""
import argparse
import csv
import sys
from pathlib import Path
from typing import List, Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path)
import numpy as np
from tqdm import tqdm

from derain_toolkit.datasets.synthetic_rain import RAIN_PATTERNS, render_rain, sample_rain_params
from derain_toolkit.datasets.synthetic_rain_dataset import SyntheticRainDataset
from derain_toolkit.utils.image_files import collect_inputs
from derain_toolkit.utils.image_io import (
    ImageReadError,
    from_float01,
    read_image,
    to_float01,
    write_image,
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('out_dir', help='output folder (created)')
    parser.add_argument('--images', nargs='+', metavar='IMAGE',
                        help='your own clean images: files, folders (searched recursively) or quoted glob patterns')
    parser.add_argument('--keep-clean', action='store_true',
                        help='with --images: also write the clean 8-bit copy (OUT/rain/ + OUT/norain/)')
    parser.add_argument('--num', type=int, default=100, help='number of pairs on the packaged photos')
    parser.add_argument('--image-size', type=int, default=256, help='side of the square packaged-photo pairs')
    parser.add_argument('--seed', type=int, default=0, help='seed of the whole set')
    parser.add_argument('--patterns', nargs='+', default=list(RAIN_PATTERNS), choices=RAIN_PATTERNS,
                        help='rain patterns to cycle through')
    parser.add_argument('--drops', action='store_true', help='add lens raindrops')
    parser.add_argument('--no-haze', action='store_true', help='no haze veil')
    return parser.parse_args(argv)


def _rgb8(image: np.ndarray) -> np.ndarray:
    """An ``(H, W, 3)`` uint8 RGB copy of an ``(H, W, C)`` image of any bit depth (alpha dropped)."""
    rgb = image[:, :, :3] if image.shape[2] >= 3 else np.repeat(image, 3, axis=2)
    return rgb if rgb.dtype == np.uint8 else from_float01(to_float01(rgb), np.uint8)


def _write_labels(out: Path, rows: List[dict]) -> None:
    """``patterns.csv``: one row per written pair."""
    with (out / 'patterns.csv').open('w', newline='') as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ['index'])
        writer.writeheader()
        writer.writerows(rows)


def rain_on_packaged_photos(args: argparse.Namespace, out: Path) -> List[dict]:
    """The pairs of ``SyntheticRainDataset`` in the Rain100 layout; returns the label rows."""
    dataset = SyntheticRainDataset(num_samples=args.num, image_size=args.image_size, patterns=args.patterns,
                                   seed=args.seed, with_haze=not args.no_haze, with_drops=args.drops)
    rows = []
    for index in tqdm(range(args.num), desc='synthetic rain', unit='pair'):
        sample = dataset.render(index)
        number = index + 1
        write_image(out / f'rain-{number}.png', sample['rain'])
        write_image(out / f'norain-{number}.png', sample['gt'])
        params = {k: v for k, v in sample['rain_params'].items() if k != 'pattern'}
        rows.append(dict(index=number, rain=f'rain-{number}.png', norain=f'norain-{number}.png',
                         pattern=sample['pattern'], source=sample['source'], **params))
    return rows


def rain_on_images(args: argparse.Namespace, out: Path) -> List[dict]:
    """Rain rendered on each of ``args.images``; returns the label rows."""
    files, unmatched = collect_inputs(args.images)
    if unmatched or not files:
        raise FileNotFoundError(f'--images: no image file in {unmatched or args.images}; give image files, '
                                'folders or quoted glob patterns')
    rows = []
    for index, (source, name) in enumerate(tqdm(files, desc='synthetic rain', unit='image')):
        clean = _rgb8(read_image(source))
        rng = np.random.default_rng([args.seed, index])
        params = sample_rain_params(args.patterns[index % len(args.patterns)], rng,
                                    with_haze=not args.no_haze, with_drops=args.drops)
        name = name.with_suffix('.png')
        rain_name = Path('rain') / name if args.keep_clean else name
        write_image(out / rain_name, render_rain(clean, params, rng))
        row = dict(index=index + 1, rain=rain_name.as_posix())
        if args.keep_clean:
            write_image(out / 'norain' / name, clean)
            row.update(norain=(Path('norain') / name).as_posix())
        params = params.to_dict()
        rows.append(dict(row, pattern=params.pop('pattern'), source=str(source), **params))
    return rows


def main(argv: Optional[List[str]] = None) -> Path:
    """Write the pairs (or rainy images) and ``patterns.csv``; return the output folder."""
    args = parse_args(argv)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write_labels(out, rain_on_images(args, out) if args.images else rain_on_packaged_photos(args, out))
    return out


if __name__ == '__main__':
    try:
        main()
    except (FileNotFoundError, ImageReadError) as error:
        sys.exit(f'make_synthetic_rain.py: {error}')
