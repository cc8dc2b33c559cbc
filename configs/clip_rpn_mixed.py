# CLIP-RPN on the mixed data (Rain100L + Rain100H + Rain800), Table 3 "Mixed" column and
# the base of every ablation (Tables 6, 10, 11; Figs. 7, 8). Recipe of Sec. 4.2: batch 8,
# 128x128 crops, horizontal/vertical flips, AdamW 2e-4 / 0.01, 300 epochs with a 15-epoch
# linear warm-up then cosine, prompt set 3, DLS β=0.8 η=2.3.
# Mixed precision, as in the paper: python tools/train.py configs/clip_rpn_mixed.py --precision auto (bf16 on a bf16 GPU)
_base_ = [
    '_base_/models/clip_rpn.py',
    '_base_/datasets/mixed.py',
    '_base_/schedules/adamw_warmup_cosine_300e.py',
    '_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=8, sampler=dict(type='DefaultSampler', shuffle=True))
