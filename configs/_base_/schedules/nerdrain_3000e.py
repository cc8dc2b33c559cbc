# NeRD-Rain's training recipe (cschenxiang/NeRD-Rain train.py defaults; train.sh just runs it): Adam lr 1e-4
# (betas 0.9/0.999, eps 1e-8, no weight decay), GradualWarmupScheduler (multiplier 1) over 3 epochs then
# CosineAnnealingLR(T_max = 3000 - 3, eta_min 1e-6), both stepped once per epoch; 3000 epochs; batch 1 of 256x256
# patches; validation every epoch. The official warm-up runs epoch 0 at lr 0: mmengine's LinearLR cannot start at 0
# (it multiplies the previous value), so epoch 0 runs at 1e-3 x lr; epochs 1 and 2 at ~1/3 and ~2/3 as official.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999), eps=1e-8))

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=3),
    dict(type='CosineAnnealingLR', T_max=2997, eta_min=1e-6, by_epoch=True, begin=3, end=3000),
]

train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=3000, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# Official augmentation (dataset_RGB.py): reflect-pad to 256, random 256x256 crop, one of the 8 flips/rotations.
# Its saturation jitter (x(1 +- 0.2) with probability 1/3) has no toolkit transform and is left out.
nerdrain_train_pipeline = [
    dict(type='PairedRandomCrop', patch_size=256, pad_if_smaller=True, pad_mode='reflect'),
    dict(type='PairedRandomDihedral'),
    dict(type='PairedToTensor'),
]
