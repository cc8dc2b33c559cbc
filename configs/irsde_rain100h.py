# Table I/II row "IR-SDE" of the DA-CLIP paper: IR-SDE trained and tested on Rain100H.
# Recipe of the official IR-SDE deraining option (train/ir-sde.yml): batch 4 of 128x128
# crops, Adam (lr 1e-4, betas (0.9, 0.99)), 700k iterations, lr halved at 200k/400k/600k.
# The U-Net is the official deraining network, 137,147,523 parameters (_base_/models/irsde.py);
# irsde_small_rain100h.py is the 35.2 M variant without attention.
# Validation reports RGB (Table I) and Y-channel (Table II) PSNR/SSIM; the test evaluator
# adds LPIPS (Table I), which needs the `lpips` package and its AlexNet weights
# (see derain_toolkit/evaluation/lpips_metric.py); drop it with
#   --cfg-options "test_evaluator=[...]" or by editing test_evaluator below.
# Departure from the official test.py: it scores PSNR/SSIM after cropping a 4-px border
# (crop_border defaults to degradation.scale = 4); these metrics score the whole image.
_base_ = [
    './_base_/models/irsde.py',
    './_base_/datasets/rain100h.py',
    './_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=4)

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99)))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[200000, 400000, 600000], gamma=0.5, by_epoch=False, begin=0, end=700000),
]
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=700000, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

val_evaluator = [
    dict(type='PSNRMetric', y_channel=False, prefix='RGB'),
    dict(type='SSIMMetric', y_channel=False, prefix='RGB'),
    dict(type='PSNRMetric', y_channel=True, prefix='Y'),
    dict(type='SSIMMetric', y_channel=True, prefix='Y'),
]
test_evaluator = val_evaluator + [dict(type='LPIPSMetric', net='alex', prefix='RGB')]
default_hooks = dict(checkpoint=dict(save_best='Y/PSNR', rule='greater'))
