# IR-SDE on CPU in minutes: a tiny conditional U-Net (nf 16, 3 levels) on 64x64 synthetic
# rain, 10 reverse steps at test time (the official sampler uses all T = 100; with fewer
# steps IRSDEGenerator takes larger Euler-Maruyama strides of Eq. 9). Evaluated in RGB
# and on Y as Tables I-II; no LPIPS (its weights are not available offline).
_base_ = [
    './_base_/models/irsde.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(nf=16, ch_mult=(1, 2, 2), heads=2, dim_head=8),
    generator=dict(sample_steps=10, progress_bar=False))

train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(image_size=64, num_samples=64))
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                      dataset=dict(image_size=64, num_samples=8))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=1e-3))

val_evaluator = [
    dict(type='PSNRMetric', y_channel=False, prefix='RGB'),
    dict(type='SSIMMetric', y_channel=False, prefix='RGB'),
    dict(type='PSNRMetric', y_channel=True, prefix='Y'),
    dict(type='SSIMMetric', y_channel=True, prefix='Y'),
]
test_evaluator = val_evaluator
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=1000, save_best='Y/PSNR', rule='greater'))
