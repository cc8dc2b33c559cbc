# PReNet on Rain13K, tested on Test100, Rain100H, Rain100L, Test2800 and Test1200: DDSA Table 1, PReNet row
# (its numbers come from MSPFN's retraining on these 13,712 pairs). PReNet's own recipe (train_PReNet.py):
# Adam lr 1e-3, batch 18, 100x100 patches, 100 epochs, lr x0.2 after epochs 30, 50 and 80, negative SSIM.
# Departs from it: random 100x100 crops with flips each epoch, not the fixed grid of patches it pre-extracts.
# Testing logs one row per set and their average:  python tools/test.py configs/prenet_rain13k.py CHECKPOINT
_base_ = [
    '_base_/models/prenet.py',
    '_base_/datasets/rain13k.py',
    '_base_/schedules/adamw_warmup_cosine_300e.py',
    '_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=18, sampler=dict(type='DefaultSampler', shuffle=True), dataset=dict(pipeline=[
    dict(type='PairedRandomCrop', patch_size=100),
    dict(type='PairedRandomFlip', horizontal_prob=0.5, vertical_prob=0.5),
    dict(type='PairedToTensor'),
]))
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=1e-3))
param_scheduler = [dict(type='MultiStepLR', milestones=[30, 50, 80], gamma=0.2, by_epoch=True,
                        convert_to_iter_based=True)]
train_cfg = dict(max_epochs=100)
test_cfg = dict(_delete_=True, type='MultiDatasetTestLoop')
