# MPRNet trained and tested on Rain800: CLIP-RPN Table 3, MPRNet row, Rain800 column. One protocol for every row
# (Sec. 4.3): CLIP-RPN's Sec. 4.2 recipe as clip_rpn_rain800.py (batch 8, 128x128 crops, flips, AdamW 2e-4 / 0.01,
# 300 epochs: 15 warm-up then cosine; --precision bf16|fp16 for mixed precision) with MPRNet's own loss.
# Departs from the official recipe: Adam 2e-4, batch 16, 256x256 patches, 250 epochs (3 warm-up, then cosine).
_base_ = [
    '_base_/models/mprnet.py',
    '_base_/datasets/rain800.py',
    '_base_/schedules/adamw_warmup_cosine_300e.py',
    '_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=8, sampler=dict(type='DefaultSampler', shuffle=True))
