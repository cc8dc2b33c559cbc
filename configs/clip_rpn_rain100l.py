# CLIP-RPN trained and tested on Rain100L alone (Table 3, Rain100L column), recipe of Sec. 4.2 as
# in clip_rpn_mixed.py. Mixed precision: tools/train.py --precision auto picks bf16 on a bf16 GPU.
_base_ = [
    '_base_/models/clip_rpn.py',
    '_base_/datasets/rain100l.py',
    '_base_/schedules/adamw_warmup_cosine_300e.py',
    '_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=8, sampler=dict(type='DefaultSampler', shuffle=True))
