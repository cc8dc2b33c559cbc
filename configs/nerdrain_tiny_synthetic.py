# A tiny NeRD-Rain on synthetic rain, for CPU: the same three scales, INRs, fusions and multi-scale loss at dim 8,
# one block per level, INR MLPs [16, 16]; 64x64 renders; tested through 64x64 windows (test.py's procedure at a
# size the 128x128 synthetic test images hold).
#   python tools/train.py configs/nerdrain_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/nerdrain.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

model = dict(backbone=dict(dim=8, num_blocks=[1, 1, 1], heads=[1, 1, 2], inr_hidden=[16, 16]),
             test_time=dict(window_size=64))

train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(image_size=64))
val_dataloader = dict(num_workers=0)
test_dataloader = dict(num_workers=0)

train_cfg = dict(max_iters=600, val_interval=300)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', T_max=580, eta_min=1e-5, by_epoch=False, begin=20, end=600),
]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=300, max_keep_ckpts=2))
