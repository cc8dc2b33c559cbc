"""CLIP rain perception: the share of each dataset's images CLIP routes to each prompt.

CLIP-RPN Tables 1, 2, 7, 8 and 9: dataset rows x prompt columns, in percent of the
dataset's images (each row sums to 100). Images are routed whole (no crop, no flip) by
the router of CLIP-RPN (Eq. 2), with :mod:`derain_toolkit.reproduce.perception`; the
paper's tables themselves, ours beside its numbers, are
``python tools/reproduce.py clip_rpn_table1`` (2, 7, 8, 9). The table is printed and
saved as CSV; ``--save-routes``
also writes every image's route, keyed by its sample key, for training with
``model.backbone.route_cache`` (use the training config's dataset so the keys match).

Usage::

    python tools/clip_perception.py configs/_base_/datasets/rain800.py \\
        configs/_base_/datasets/rain100h.py configs/_base_/datasets/rain100l.py \\
        configs/_base_/datasets/mixed.py --prompts set3 --csv work_dirs/table9.csv
    python tools/clip_perception.py configs/_base_/datasets/mixed.py --prompts set3 \\
        --save-routes work_dirs/routes_mixed_set3.json    # then train with
        # --cfg-options model.backbone.route_cache=work_dirs/routes_mixed_set3.json

The router is ``CLIPRouter(ViT-B-32, pretrained='openai')`` unless ``--router CONFIG``
names a model config whose ``model.backbone.router`` is used (``--pretrained`` and
``--prompts`` still apply); ``--cfg-options`` edits every dataset config (e.g. the split's
``dataset.num_samples``).
"""
import argparse
import csv
import json
import os
import os.path as osp
from typing import Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path, --device cpu hides GPUs)
import torch
from mmengine.config import Config

from derain_toolkit import load_config
from derain_toolkit.engine.options import tool_device, tool_parser
from derain_toolkit.models.routers.prompts import PROMPT_SETS
from derain_toolkit.registry import DATASETS, ROUTERS
from derain_toolkit.reproduce.perception import (
    dataset_name,
    route_dataset,
    route_shares,
    router_config,
    whole_images,
)


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    """Command-line arguments of the perception tool."""
    parser = tool_parser('Share of images CLIP routes to each prompt (Tables 1/2/7/8/9).', 'device', 'cfg_options')
    parser.add_argument('datasets', nargs='+', help='dataset config files, e.g. configs/_base_/datasets/rain100l.py')
    parser.add_argument('--split', choices=('train', 'val', 'test'), default='train',
                        help='which dataloader of each dataset config to analyse')
    parser.add_argument('--prompts', default='set3',
                        help=f'prompt set name ({", ".join(sorted(PROMPT_SETS))}) or a JSON list of prompts')
    parser.add_argument('--router', help='model config whose model.backbone.router is used')
    parser.add_argument('--pretrained', help='CLIP weights: open_clip tag or local checkpoint file')
    parser.add_argument('--csv', help='CSV output (default: work_dirs/clip_perception_<prompts>.csv)')
    parser.add_argument('--save-routes', metavar='FILE', help='write per-image routes (JSON) for route_cache')
    return parser.parse_args(argv)


def build_router(args: argparse.Namespace) -> torch.nn.Module:
    """The CLIP router of ``--router`` (or the paper's) with ``--prompts``/``--pretrained`` applied."""
    router = load_config(args.router).model.backbone.router.to_dict() if args.router else None
    prompts = json.loads(args.prompts) if args.prompts.lstrip().startswith('[') else args.prompts
    return ROUTERS.build(router_config(router, prompts, args.pretrained))


def format_table(rows: dict[str, list[float]], prompts: list[str]) -> str:
    """Dataset rows x prompt columns (P1..Pn, percent) with the prompts as a legend."""
    name_width = max(len('Dataset \\ Prompt'), *(len(name) for name in rows))
    header = 'Dataset \\ Prompt'.ljust(name_width) + ''.join(f'{f"P{i + 1}":>9}' for i in range(len(prompts)))
    lines = [header, '-' * len(header)]
    lines += [name.ljust(name_width) + ''.join(f'{value:9.2f}' for value in shares) for name, shares in rows.items()]
    lines += [''] + [f'P{i + 1}: {prompt}' for i, prompt in enumerate(prompts)]
    return '\n'.join(lines)


def main(argv: Optional[list[str]] = None) -> dict[str, list[float]]:
    """Run the analysis; return ``{dataset name: [percent per prompt]}``."""
    args = parse_args(argv)
    device = torch.device(tool_device(args.device))
    router = build_router(args).to(device).eval()
    prompts = list(router.prompts)
    rows: dict[str, list[float]] = {}
    all_routes: dict[str, int] = {}
    for path in args.datasets:
        cfg = Config.fromfile(path)
        cfg.merge_from_dict(args.cfg_options)
        loader = cfg.get(f'{args.split}_dataloader')
        if not loader:
            raise KeyError(f'{path} has no {args.split}_dataloader; pick another --split')
        dataset_cfg = whole_images(loader['dataset'].to_dict())
        name = dataset_name(dataset_cfg, path)
        routes = route_dataset(router, DATASETS.build(dataset_cfg), device, name)
        rows[name] = route_shares(routes, len(prompts))
        all_routes.update(routes)
    print(format_table(rows, prompts))
    prompt_name = args.prompts if args.prompts in PROMPT_SETS else 'custom'
    csv_path = args.csv or osp.join('work_dirs', f'clip_perception_{prompt_name}.csv')
    os.makedirs(osp.dirname(osp.abspath(csv_path)), exist_ok=True)
    with open(csv_path, 'w', newline='') as file:
        writer = csv.writer(file)
        writer.writerow(['dataset', *prompts])
        writer.writerows([name, *(f'{value:.2f}' for value in shares)] for name, shares in rows.items())
    print(f'table saved to {csv_path}')
    if args.save_routes:
        os.makedirs(osp.dirname(osp.abspath(args.save_routes)), exist_ok=True)
        with open(args.save_routes, 'w') as file:
            json.dump(dict(prompts=prompts, split=args.split, routes=all_routes), file, indent=1)
        print(f'{len(all_routes)} routes saved to {args.save_routes}')
    return rows


if __name__ == '__main__':
    main()
