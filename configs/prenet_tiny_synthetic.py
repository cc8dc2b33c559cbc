# A tiny PReNet on synthetic rain, for CPU (as restormer_tiny_synthetic.py): the same parts (input fusion,
# ConvLSTM, residual blocks, negative SSIM) at 8 channels, 3 stages and 2 residual blocks, 64x64 renders.
#   python tools/train.py configs/prenet_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/prenet.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

model = dict(backbone=dict(channels=8, stages=3, num_res_blocks=2))

train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(image_size=64))
val_dataloader = dict(num_workers=0)
test_dataloader = dict(num_workers=0)
default_hooks = dict(logger=dict(interval=50))
