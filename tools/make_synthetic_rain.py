"""Write synthetic rain pairs to disk in the Rain100 layout, with a pattern labels file.

Writes ``rain-N.png`` / ``norain-N.png`` (N = 1 .. num, unpadded like the Rain100
training sets) and ``patterns.csv`` (one row per pair: pattern, angle and all
rain parameters, the clean source). The pairs are exactly those of
``SyntheticRainDataset(num_samples=num, image_size=..., seed=...)``, index N - 1.

Example:
    python tools/make_synthetic_rain.py data/Synthetic/train --num 800 --seed 0
"""
import argparse
import csv
from pathlib import Path
from typing import List, Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path)
from tqdm import tqdm

from derain_toolkit.datasets.synthetic_rain import RAIN_PATTERNS
from derain_toolkit.datasets.synthetic_rain_dataset import SyntheticRainDataset
from derain_toolkit.utils.image_io import write_image


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='output folder (created)')
    parser.add_argument('--num', type=int, default=100, help='number of pairs')
    parser.add_argument('--image-size', type=int, default=256, help='side of the square images')
    parser.add_argument('--seed', type=int, default=0, help='seed of the whole set')
    parser.add_argument('--patterns', nargs='+', default=list(RAIN_PATTERNS), choices=RAIN_PATTERNS,
                        help='rain patterns to cycle through')
    parser.add_argument('--drops', action='store_true', help='add lens raindrops')
    parser.add_argument('--no-haze', action='store_true', help='no haze veil')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Path:
    """Write the pairs and ``patterns.csv``; return the output folder."""
    args = parse_args(argv)
    dataset = SyntheticRainDataset(num_samples=args.num, image_size=args.image_size, patterns=args.patterns,
                                   seed=args.seed, with_haze=not args.no_haze, with_drops=args.drops)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for index in tqdm(range(args.num), desc='synthetic rain', unit='pair'):
        sample = dataset.render(index)
        number = index + 1
        write_image(out / f'rain-{number}.png', sample['rain'])
        write_image(out / f'norain-{number}.png', sample['gt'])
        params = {k: v for k, v in sample['rain_params'].items() if k != 'pattern'}
        rows.append(dict(index=number, rain=f'rain-{number}.png', norain=f'norain-{number}.png',
                         pattern=sample['pattern'], source=sample['source'], **params))
    with (out / 'patterns.csv').open('w', newline='') as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ['index'])
        writer.writeheader()
        writer.writerows(rows)
    return out


if __name__ == '__main__':
    main()
