"""Score restored images against ground truth: PSNR and SSIM per image and their mean.

The two folders are paired by file stem, or by the number in the file name when
the stems differ (``rain-001.png`` <-> ``norain-1.png``). The default protocol is
Restormer's ``evaluate_PSNR_SSIM.m`` (Y channel of MATLAB ``rgb2ycbcr`` on 8-bit
images; see ``derain_toolkit.evaluation.functional``).

Example:
    python tools/evaluate.py results/Rain100L data/Rain100L/test/target --out scores.csv
"""
import argparse
import csv
from pathlib import Path
from typing import List, Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path)
import numpy as np

from derain_toolkit.datasets.layouts import list_images, pair_by_number
from derain_toolkit.evaluation import psnr, ssim
from derain_toolkit.utils.image_io import read_image, to_float01, to_rgb


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('pred_dir', help='folder of restored images')
    parser.add_argument('gt_dir', help='folder of ground-truth images')
    parser.add_argument('--crop-border', type=int, default=0, help='pixels removed on each side')
    parser.add_argument('--rgb', action='store_true', help='score RGB instead of the Y channel')
    parser.add_argument('--out', help='write the per-image scores and the mean to this CSV file')
    return parser.parse_args(argv)


def _load(path: Path) -> np.ndarray:
    """RGB image: 8-bit as read, 16-bit as float in [0, 1] (rounded to 8 bits when scored)."""
    image = to_rgb(read_image(path))
    return image if image.dtype == np.uint8 else to_float01(image)


def evaluate_folders(pred_dir: str, gt_dir: str, crop_border: int = 0, y_channel: bool = True) -> List[dict]:
    """Per-image scores: ``[dict(pred=name, gt=name, psnr=..., ssim=...), ...]`` in pair order."""
    pred_root, gt_root = Path(pred_dir), Path(gt_dir)
    for folder in (pred_root, gt_root):
        if not folder.is_dir():
            raise FileNotFoundError(f"folder '{folder}' does not exist; pass the folders of restored and "
                                    'ground-truth images')
    pairs = pair_by_number(list_images(pred_root), list_images(gt_root), pred_root)
    if not pairs:
        raise FileNotFoundError(f"no images in '{pred_root}' and '{gt_root}'")
    rows = []
    for pred_path, gt_path in pairs:
        pred, gt = _load(pred_path), _load(gt_path)
        if pred.shape != gt.shape:
            raise ValueError(f"'{pred_path}' is {pred.shape[:2]} but '{gt_path}' is {gt.shape[:2]}")
        rows.append(dict(pred=pred_path.name, gt=gt_path.name,
                         psnr=psnr(pred, gt, crop_border=crop_border, y_channel=y_channel),
                         ssim=ssim(pred, gt, crop_border=crop_border, y_channel=y_channel)))
    return rows


def main(argv: Optional[List[str]] = None) -> dict:
    """Print the table and the mean; write the CSV; return the means."""
    args = parse_args(argv)
    rows = evaluate_folders(args.pred_dir, args.gt_dir, args.crop_border, not args.rgb)
    mean = dict(psnr=float(np.mean([r['psnr'] for r in rows])), ssim=float(np.mean([r['ssim'] for r in rows])))
    width = max(len(r['pred']) for r in rows) + 2
    print(f"{'image':<{width}}{'PSNR':>10}{'SSIM':>10}")
    for row in rows:
        print(f"{row['pred']:<{width}}{row['psnr']:>10.4f}{row['ssim']:>10.4f}")
    print(f"{'mean (' + str(len(rows)) + ')':<{width}}{mean['psnr']:>10.4f}{mean['ssim']:>10.4f}")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open('w', newline='') as handle:
            writer = csv.DictWriter(handle, fieldnames=['pred', 'gt', 'psnr', 'ssim'])
            writer.writeheader()
            writer.writerows(rows)
            writer.writerow(dict(pred='mean', gt='', **mean))
    return mean


if __name__ == '__main__':
    main()
