# What every paired deraining dataset shares (CLIP-RPN Sec. 4.2 / DDSA Sec. 3.2 augmentation):
# 128x128 random crops with horizontal/vertical flips for training, whole images one at a
# time for validation and testing, PSNR/SSIM on the Y channel. A dataset file over this base
# only adds `dataset=dict(...)` to each loader, with pipeline={{_base_.train_pipeline}} or
# {{_base_.test_pipeline}}.
train_pipeline = [
    dict(type='PairedRandomCrop', patch_size=128),
    dict(type='PairedRandomFlip', horizontal_prob=0.5, vertical_prob=0.5),
    dict(type='PairedToTensor'),
]
test_pipeline = [dict(type='PairedToTensor')]
# Restormer's official training data (Dataset_PairedImage with geometric_augs in
# Deraining_Restormer.yml): 384x384 crops, the largest patch of its progressive schedule
# (images smaller than that padded as OpenCV's BORDER_REFLECT, i.e. 'symmetric'), in one
# of the 8 flips/rotations; the train loop cuts them to each stage's patch and batch
# (configs/_base_/schedules/restormer_300k.py). Used by configs/restormer_*.py.
restormer_train_pipeline = [
    dict(type='PairedRandomCrop', patch_size=384, pad_if_smaller=True, pad_mode='symmetric'),
    dict(type='PairedRandomDihedral'),
    dict(type='PairedToTensor'),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PSNRMetric'), dict(type='SSIMMetric')]
test_evaluator = val_evaluator
# DRSformer's official training data (Options/Deraining.yml: Dataset_PairedImage, gt_size 128,
# geometric_augs): 128x128 crops in one of the 8 flips/rotations. Used by configs/drsformer_<set>.py
# for Rain200L/H, DID-Data, DDN-Data, SPA-Data.
drsformer_train_pipeline = [
    dict(type='PairedRandomCrop', patch_size=128, pad_if_smaller=True, pad_mode='symmetric'),
    dict(type='PairedRandomDihedral'),
    dict(type='PairedToTensor'),
]
