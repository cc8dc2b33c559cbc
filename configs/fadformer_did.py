# FADformer trained and tested on DID-Data (FADformer Table 1: 35.48 / 0.9657), the official recipe
# (train_DID.py, configs/did/FADformer.json, 4 GPUs): batch 12 of 256x256 crops in the 8 orientations, L1 + 0.1
# FCR, AdamW 1e-3, gradient norm clipped to 0.01, cosine to 1e-5 over 500 epochs and one more at 1e-5,
# validation every epoch; tested by test_merge (model.test_time). The official run splits each batch over its
# GPUs with DataParallel (BatchNorm statistics per chunk of 3), here one process normalises over all 12; FCR
# draws its negatives from the whole batch in both.
# Code over paper: the recipe is the code's (the paper text is not in ../shared/papers to compare).
_base_ = [
    './_base_/models/fadformer.py',
    './_base_/datasets/did.py',
    './_base_/datasets/fadformer_augment.py',
    './_base_/schedules/fadformer_800e.py',
    './_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=12, drop_last=True, sampler=dict(type='DefaultSampler', shuffle=True),
                        dataset=dict(pipeline={{_base_.fadformer_train_pipeline}}))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=500, eta_min=1e-5, by_epoch=True, begin=0, end=501)]
train_cfg = dict(max_epochs=501)
randomness = dict(seed=8001)
