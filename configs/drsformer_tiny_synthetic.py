# A tiny DRSformer on synthetic rain, for CPU (as restormer_tiny_synthetic.py): the same parts
# (TKSA, MSFN, both MEFCs) in a 3-level U-Net of width 8 with 2-step MEFCs, 64x64 renders.
#   python tools/train.py configs/drsformer_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/drsformer.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

model = dict(backbone=dict(dim=8, num_blocks=(1, 1, 1), heads=(1, 1, 2), ffn_expansion_factor=2.0, mefc_steps=2))

train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(image_size=64))
val_dataloader = dict(num_workers=0)
test_dataloader = dict(num_workers=0)
default_hooks = dict(logger=dict(interval=50))
