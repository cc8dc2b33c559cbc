# MPRNet on Rain13K, tested on Test100, Rain100H, Rain100L, Test2800 and Test1200: DDSA Table 1, MPRNet row.
# MPRNet's own recipe (Deraining/train.py, training.yml): Adam lr 2e-4 (betas 0.9/0.999), batch 16 (over 4 GPUs),
# 256x256 patches, 250 epochs: 3 warm-up epochs, then cosine annealing to 1e-6; Charbonnier + 0.05 edge per stage.
# Augmentation (Deraining/dataset_RGB.py, DataLoaderTrain): reflect-pad to the patch, then one of the 8 orientations.
# Departs from it: each orientation 1/8 here; the official randint(0, 8) keeps the crop as is with 2/9, the rest 1/9.
# Testing logs one row per set and their average:  python tools/test.py configs/mprnet_rain13k.py CHECKPOINT
_base_ = [
    '_base_/models/mprnet.py',
    '_base_/datasets/rain13k.py',
    '_base_/schedules/adamw_warmup_cosine_300e.py',
    '_base_/default_runtime.py',
]
# The batch of 16 is the total over 4 GPUs: 4 per GPU, and fewer GPUs accumulate gradients.
global_batch_size = 16
train_dataloader = dict(batch_size=4, sampler=dict(type='DefaultSampler', shuffle=True), dataset=dict(pipeline=[
    dict(type='PairedRandomCrop', patch_size=256, pad_if_smaller=True, pad_mode='reflect'),
    dict(type='PairedRandomDihedral'),
    dict(type='PairedToTensor'),
]))
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=2e-4, betas=(0.9, 0.999), eps=1e-8))
param_scheduler = [
    dict(type='LinearLR', start_factor=1 / 3, by_epoch=True, begin=0, end=3, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=247, eta_min=1e-6, by_epoch=True, begin=3, end=250,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=250)
test_cfg = dict(_delete_=True, type='MultiDatasetTestLoop')
