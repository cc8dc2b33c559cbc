# A tiny MPRNet on synthetic rain, for CPU (as restormer_tiny_synthetic.py): the same three stages, SAMs,
# cross-stage fusion and per-stage Charbonnier + edge loss at 8 channels (+4 per level), 1 CAB per ORB,
# 64x64 renders.
#   python tools/train.py configs/mprnet_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/mprnet.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

model = dict(backbone=dict(n_feat=8, scale_unetfeats=4, scale_orsnetfeats=4, num_cab=1, reduction=2))

train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(image_size=64))
val_dataloader = dict(num_workers=0)
test_dataloader = dict(num_workers=0)
default_hooks = dict(logger=dict(interval=50))
