"""Train the DA-CLIP controller (DA-CLIP paper Sec. III, Eq. 4) on paired rainy/clean data.

The frozen CLIP model sees the rainy image through the controller; the content embedding
is pulled toward the clean caption's text embedding and the degradation embedding toward
the degradation-type text.

Captions (--captions): the official caption file of DA-CLIP (Algolzw/daclip-uir
``scripts/generate_captions.py``, read by ``da-clip/src/training/data.py`` ``CsvDataset``):
tab-separated, a header row ``filepath<TAB>title``, one row per degraded image with
``title = "<clean caption>: <degradation>"`` (e.g. ``a red car on a street: rainy``), as
pandas writes it (``to_csv(sep='\\t', index=False)``: fields quoted only when needed). The
official reader splits the title at ``': '`` (a caption containing ``': '`` breaks it); here
the split is at the last ``': '``. Rows are matched to the dataset's rainy images by path
(as written, or resolved from the working directory), else by a file name unique in the
file. Images without a row get the template caption "a photo of a clean scene" and
--degradation (the paper captions clean images with BLIP, which cannot be downloaded here).

Writes the controller checkpoint: the trainable weights under the official DaCLIP keys
(``visual_control.*``, ``logit_scale``), which ``DACLIP(controller_checkpoint=...)`` loads on
top of the same CLIP (``model.generator.daclip.controller_checkpoint`` in a config).

Example::

    python tools/train_daclip.py configs/_base_/datasets/rain100h.py \\
        --clip-pretrained /path/to/open_clip_pytorch_model.bin \\
        --captions datasets/universal/daclip_train.csv --iters 20000 --out work_dirs/daclip/controller.pth
"""
import argparse
import csv
import os
import sys
from pathlib import Path
from typing import Optional

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mmengine.registry import init_default_scope  # noqa: E402
from tqdm import tqdm  # noqa: E402

from derain_toolkit import load_config  # noqa: E402
from derain_toolkit.engine.options import resolve_device, tool_parser  # noqa: E402
from derain_toolkit.models.daclip.contrastive_loss import DAClipContrastiveLoss  # noqa: E402
from derain_toolkit.models.daclip.daclip_model import DACLIP  # noqa: E402
from derain_toolkit.models.layers.open_clip_loader import clip_weights_problem  # noqa: E402
from derain_toolkit.registry import DATASETS  # noqa: E402

FALLBACK_CAPTION = 'a photo of a clean scene'


def read_captions(path: str) -> dict[str, tuple[str, str]]:
    """Official DA-CLIP caption file -> ``{filepath: (caption, degradation)}``."""
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.reader(f, delimiter='\t'))
    if not rows or rows[0][:2] != ['filepath', 'title']:
        raise ValueError(f'train_daclip: --captions {path} should start with the header "filepath<TAB>title" (the '
                         f'official DA-CLIP caption file); found {rows[0] if rows else "an empty file"}')
    captions = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2 or ': ' not in row[1]:
            raise ValueError(f'train_daclip: --captions {path} line {line}: expected "filepath<TAB>caption: '
                             f'degradation", found {row}')
        caption, degradation = row[1].rsplit(': ', 1)
        captions[os.path.normpath(row[0])] = (caption, degradation)
    return captions


def match_captions(captions: dict[str, tuple[str, str]], paths: list[str]) -> list[Optional[tuple[str, str]]]:
    """The caption row of each rainy image: by path as written or resolved, else by a unique file name."""
    resolved = {os.path.abspath(k): v for k, v in captions.items()}
    by_name: dict[str, list[tuple[str, str]]] = {}
    for key, value in captions.items():
        by_name.setdefault(os.path.basename(key), []).append(value)
    matched = []
    for path in paths:
        row = captions.get(os.path.normpath(path)) or resolved.get(os.path.abspath(path))
        if row is None and len(by_name.get(os.path.basename(path), [])) == 1:
            row = by_name[os.path.basename(path)][0]
        matched.append(row)
    return matched


def rain_paths(dataset) -> Optional[list[str]]:
    """The rainy image file of each sample, without reading images (``None``: no files, e.g. synthetic)."""
    if hasattr(dataset, 'pairs'):  # PairedRainDataset
        return [pair.rain_path for pair in dataset.pairs]
    if hasattr(dataset, 'datasets'):  # MixedRainDataset, in its index order
        parts = [rain_paths(part) for part in dataset.datasets]
        return None if any(part is None for part in parts) else [path for part in parts for path in part]
    return None


def parse_args(argv=None) -> argparse.Namespace:
    parser = tool_parser(__doc__, 'device', formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('dataset_config', help='a config whose train_dataloader.dataset gives rainy/clean pairs')
    parser.add_argument('--captions', help='the official DA-CLIP caption file (filepath<TAB>"caption: '
                        'degradation"); default: one template caption for every image')
    parser.add_argument('--degradation', default='rainy', help='degradation text of images without a caption row')
    parser.add_argument('--clip-model', default='ViT-B-32')
    parser.add_argument('--clip-pretrained', default='laion2b_s34b_b79k',
                        help='open_clip tag (official: laion2b_s34b_b79k) or local CLIP checkpoint file')
    parser.add_argument('--tiny-random-clip', action='store_true',
                        help='a tiny randomly initialised CLIP (smoke tests only)')
    parser.add_argument('--iters', type=int, default=1000)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--lr', type=float, default=3e-5)
    parser.add_argument('--weight-decay', type=float, default=0.05)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', required=True, help='controller checkpoint to write')
    return parser.parse_args(argv)


def build_daclip(args: argparse.Namespace) -> DACLIP:
    """The DA-CLIP model to train; missing CLIP weights stop the script with this script's flags."""
    if args.tiny_random_clip:
        return DACLIP('tiny', pretrained=None, allow_random_init=True, warn_untrained=False, model_cfg='tiny')
    if clip_weights_problem(args.clip_model, args.clip_pretrained) is not None:
        raise SystemExit(
            f'train_daclip: no CLIP weights for --clip-model {args.clip_model} --clip-pretrained '
            f'{args.clip_pretrained}: it is neither an existing file nor an open_clip tag cached here or '
            'downloadable (no network). Fix: on a machine with network run `python -c "import open_clip; '
            f"open_clip.create_model('{args.clip_model}', pretrained='laion2b_s34b_b79k')\"`, copy its "
            'open_clip_pytorch_model.bin here and pass --clip-pretrained /path/to/open_clip_pytorch_model.bin '
            '(or --tiny-random-clip for a smoke test).')
    return DACLIP(args.clip_model, pretrained=args.clip_pretrained, warn_untrained=False)


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    init_default_scope('derain_toolkit')
    dataset = DATASETS.build(load_config(args.dataset_config).train_dataloader.dataset)
    model = build_daclip(args)
    rows: list[Optional[tuple[str, str]]] = [None] * len(dataset)
    if args.captions:
        paths = rain_paths(dataset)
        if paths is None:
            raise SystemExit(f'train_daclip: --captions needs a dataset of image files; {args.dataset_config} builds '
                             f'{type(dataset).__name__}, whose samples have no rainy image path')
        rows = match_captions(read_captions(args.captions), paths)
        found = sum(row is not None for row in rows)
        if not found:
            raise SystemExit(f'train_daclip: no rainy image of the dataset has a row in --captions {args.captions} '
                             f'(e.g. {paths[0]!r}); its filepath column must name the same files')
        print(f'train_daclip: {found} of {len(dataset)} images have a caption in {args.captions}; the others use '
              f'"{FALLBACK_CAPTION}: {args.degradation}"')
    else:
        print(f'train_daclip: no --captions given; every image uses the template caption "{FALLBACK_CAPTION}" '
              '(BLIP captioning is not available here), so only the degradation term is informative.')
    device = resolve_device(args.device)
    model.to(device).train()
    criterion = DAClipContrastiveLoss()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.iters)
    bar = tqdm(range(args.iters), desc='DA-CLIP controller')
    for _ in bar:
        indices = [int(i) for i in torch.randint(len(dataset), (args.batch_size,))]
        images = torch.stack([dataset[i]['inputs'] for i in indices]).to(device)
        texts = [rows[i] or (FALLBACK_CAPTION, args.degradation) for i in indices]
        tokens = torch.cat([model.tokenize([c for c, _ in texts]), model.tokenize([d for _, d in texts])], dim=-1)
        losses = criterion(**model(model.preprocess(images), tokens))
        optimizer.zero_grad()
        losses['loss'].backward()
        optimizer.step()
        scheduler.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, 4.6052)  # temperature >= 1/100, as CLIP
        bar.set_postfix(content=f"{losses['loss_content'].item():.3f}",
                        degradation=f"{losses['loss_degradation'].item():.3f}")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save(model.controller_state_dict(), args.out)
    print(f'train_daclip: wrote {args.out}; use it with --cfg-options '
          f'model.generator.daclip.controller_checkpoint={args.out}')


if __name__ == '__main__':
    main()
