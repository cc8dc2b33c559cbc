# MPRNet trained and tested on Rain200L (FADformer / NeRD-Rain Table 1, MPRNet row; configs/tables/sota_rain200.py).
# The training recipe of mprnet_rain100h.py (CLIP-RPN's shared recipe with MPRNet's own loss); the papers
# copied this row from earlier work, whose recipe the notes do not give. Data and scoring: the dataset base.
_base_ = [
    '_base_/models/mprnet.py',
    '_base_/datasets/rain200l.py',
    '_base_/schedules/adamw_warmup_cosine_300e.py',
    '_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=8, sampler=dict(type='DefaultSampler', shuffle=True))
