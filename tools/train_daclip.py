"""Train the DA-CLIP controller (DA-CLIP paper Sec. III, Eq. 4) on paired rainy/clean data.

The frozen CLIP model sees the rainy image through the controller; the content embedding
is pulled toward the clean caption's text embedding and the degradation embedding toward
the degradation-type text ("rainy" unless --degradation-file gives one per image).

Captions: the paper captions the clean images with BLIP, which cannot be downloaded on
this machine. Give captions with --captions (a CSV with columns key,caption or a JSON
object key -> caption; keys are the dataset's sample keys, e.g. the number N of
rain-N.png). Without --captions every image gets the fixed template
"a photo of a clean scene", which makes the content term uninformative (said at start).

Writes the controller checkpoint (controller + temperature weights only) that
``DACLIP(controller_checkpoint=...)`` loads.

Example::

    python tools/train_daclip.py configs/_base_/datasets/rain100h.py --clip-pretrained openai \\
        --captions data/Rain100H/captions.csv --iters 20000 --out work_dirs/daclip/controller.pth
"""
import argparse
import csv
import json
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mmengine.registry import init_default_scope  # noqa: E402
from tqdm import tqdm  # noqa: E402

from derain_toolkit import load_config  # noqa: E402
from derain_toolkit.models.daclip.contrastive_loss import DAClipContrastiveLoss  # noqa: E402
from derain_toolkit.models.daclip.daclip_model import DACLIP  # noqa: E402
from derain_toolkit.registry import DATASETS  # noqa: E402

FALLBACK_CAPTION = 'a photo of a clean scene'


def _read_mapping(path: str) -> dict[str, str]:
    """key -> text from a JSON object or a two-column CSV (header optional)."""
    if path.endswith('.json'):
        with open(path, encoding='utf-8') as f:
            return {str(k): str(v) for k, v in json.load(f).items()}
    with open(path, newline='', encoding='utf-8') as f:
        rows = [row for row in csv.reader(f) if row]
    if rows and rows[0][:2] in (['key', 'caption'], ['key', 'degradation']):
        rows = rows[1:]
    return {row[0]: row[1] for row in rows}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('dataset_config', help='a config whose train_dataloader.dataset gives rainy/clean pairs')
    parser.add_argument('--captions', help='CSV (key,caption) or JSON {key: caption} of clean captions '
                        '(BLIP is not available offline); default: one fixed template caption')
    parser.add_argument('--degradation', default='rainy', help='degradation text for every image (default rainy)')
    parser.add_argument('--degradation-file', help='CSV/JSON key -> degradation text, overrides --degradation')
    parser.add_argument('--clip-model', default='ViT-B-32')
    parser.add_argument('--clip-pretrained', default='openai', help="open_clip tag or local checkpoint file")
    parser.add_argument('--tiny-random-clip', action='store_true',
                        help='a tiny randomly initialised CLIP (smoke tests only)')
    parser.add_argument('--iters', type=int, default=1000)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--lr', type=float, default=3e-5)
    parser.add_argument('--weight-decay', type=float, default=0.05)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', required=True, help='controller checkpoint to write')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    init_default_scope('derain_toolkit')
    dataset = DATASETS.build(load_config(args.dataset_config).train_dataloader.dataset)
    captions = _read_mapping(args.captions) if args.captions else {}
    if not captions:
        print(f'train_daclip: no --captions given; every image uses the template caption "{FALLBACK_CAPTION}" '
              '(BLIP captioning is not available here), so only the degradation term is informative.')
    degradations = _read_mapping(args.degradation_file) if args.degradation_file else {}
    if args.tiny_random_clip:
        model = DACLIP('tiny', pretrained=None, allow_random_init=True, warn_untrained=False, model_cfg=dict(
            embed_dim=16, vision_cfg=dict(image_size=32, layers=2, width=32, patch_size=8, head_width=16),
            text_cfg=dict(context_length=16, vocab_size=49408, width=16, heads=2, layers=1)))
    else:
        model = DACLIP(args.clip_model, pretrained=args.clip_pretrained, warn_untrained=False)
    model.to(args.device).train()
    criterion = DAClipContrastiveLoss()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.iters)
    missing = 0
    bar = tqdm(range(args.iters), desc='DA-CLIP controller')
    for _ in bar:
        items = [dataset[int(i)] for i in torch.randint(len(dataset), (args.batch_size,))]
        keys = [str(item['data_samples'].get('key')) for item in items]
        missing += sum(k not in captions for k in keys) if captions else 0
        images = torch.stack([item['inputs'] for item in items]).to(args.device)
        outputs = model(images, [captions.get(k, FALLBACK_CAPTION) for k in keys],
                        [degradations.get(k, args.degradation) for k in keys])
        losses = criterion(**outputs)
        optimizer.zero_grad()
        losses['loss'].backward()
        optimizer.step()
        scheduler.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, 4.6052)  # temperature >= 1/100, as CLIP
        bar.set_postfix(content=f"{losses['loss_content'].item():.3f}",
                        degradation=f"{losses['loss_degradation'].item():.3f}")
    if missing:
        print(f'train_daclip: {missing} sampled images had no caption in {args.captions} and used the template')
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save(model.controller_state_dict(), args.out)
    print(f'train_daclip: wrote {args.out}; use it as DACLIP(controller_checkpoint=...)')


if __name__ == '__main__':
    main()
