# FADformer trained and tested on SPA-Data (FADformer Table 1: 49.21 / 0.9934), the official recipe
# (train_spa.py, configs/spa/FADformer.json, 2 GPUs): batch 12 of 256x256 crops in the 8 orientations, L1 + 0.1
# FCR, AdamW 1e-3, gradient norm clipped to 0.01; 7 passes (range(epochs + 1), epochs 6) of 638,492 // 12 =
# 53,207 iterations = 372,449 iterations; the cosine (eta_min 1e-5) has T_max = 6 * (638492 // 12000) = 318
# steps taken every 1,000 iterations of a pass (53 per pass, 371 in all: past T_max it climbs again, to 7.6e-5);
# here it is stepped every iteration with T_max 318,000 (the same curve to within 0.4% of its length);
# validation every 1,000 iterations from the fourth pass on (none before). Tested by test_merge
# (model.test_time). BatchNorm over all 12 here, per chunk of 6 in the official DataParallel run.
# Code over paper: the recipe is the code's (the paper text is not in ../shared/papers to compare).
_base_ = [
    './_base_/models/fadformer.py',
    './_base_/datasets/spa.py',
    './_base_/datasets/fadformer_augment.py',
    './_base_/schedules/fadformer_800e.py',
    './_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=12, drop_last=True, dataset=dict(pipeline={{_base_.fadformer_train_pipeline}}))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=318_000, eta_min=1e-5, by_epoch=False, begin=0, end=372_449),
]
train_cfg = dict(_delete_=True, type='ResumableIterBasedTrainLoop', max_iters=372_449, val_begin=3 * 53_207,
                 val_interval=1000)
randomness = dict(seed=8001)
