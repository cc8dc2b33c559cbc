# Tiny CLIP-RPN on the embedded synthetic rain (no download, random tiny CLIP): trains
# end to end on CPU in about a minute and its loss falls. A smoke test of the whole
# pipeline (router, mask heads, MGCA branches, DLS + mask BCE), not a paper result.
#   python tools/train.py configs/clip_rpn_tiny_synthetic.py --device cpu
_base_ = [
    '_base_/models/clip_rpn_tiny.py',
    '_base_/datasets/synthetic.py',
    '_base_/schedules/tiny_cpu.py',
    '_base_/default_runtime.py',
]
image_size = 32
train_dataloader = dict(
    batch_size=4, num_workers=0,
    dataset=dict(num_samples=64, image_size=image_size))
val_dataloader = dict(num_workers=0, dataset=dict(num_samples=4, image_size=image_size))
test_dataloader = dict(num_workers=0, dataset=dict(num_samples=4, image_size=image_size))
train_cfg = dict(max_iters=100, val_interval=100)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', T_max=90, eta_min=1e-5, by_epoch=False, begin=10, end=100),
]
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=100))
