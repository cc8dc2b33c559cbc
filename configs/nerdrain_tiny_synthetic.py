# A tiny NeRD-Rain on synthetic rain, for CPU: the same three scales, INRs, fusions and multi-scale loss at dim 8,
# one block per level, INR MLPs [16, 16]; tested through test.py's window procedure with one 32x32 window per
# 32x32 image (on 48x48 test images, four windows pasted together, the output stayed 0.05 dB below the input).
#   python tools/train.py configs/nerdrain_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/nerdrain.py',
    './_base_/datasets/synthetic_tiny.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

# The paper's losses plus the PSNR loss (models/losses/psnr_loss.py): without it, whether a few hundred
# iterations end above the rainy input depended on the seed (issue 16: -3.4 to +0.5 dB for MPRNet, PromptIR
# and DRSformer over two seeds); with it every tiny config gained over the input at both seeds measured.
model = dict(
    losses=[
        dict(type='MultiStageLoss', loss=dict(type='CharbonnierLoss', eps=1e-3), key='outputs', indices=[0, 1, 2],
             target_levels=[0, 1, 2], loss_weight=1.0),
        dict(type='MultiStageLoss', loss=dict(type='FFTLoss'), key='outputs', indices=[0, 1, 2],
             target_levels=[0, 1, 2], loss_weight=0.01),
        dict(type='MultiStageLoss', loss=dict(type='EdgeLoss', eps=1e-3), key='outputs', indices=[0, 1, 2],
             target_levels=[0, 1, 2], loss_weight=0.05),
        dict(type='MultiStageLoss', loss=dict(type='L1Loss'), key='outputs', indices=[3, 5], target_levels=[1, 2],
             loss_weight=0.1),
        dict(type='PSNRLoss', loss_weight=0.1),
    ],
    backbone=dict(dim=8, num_blocks=[1, 1, 1], heads=[1, 1, 2], inr_hidden=[16, 16]),
             test_time=dict(window_size=32))

# Budget: 32x32 renders, batch 4, 300 iterations at lr 4e-3 (+0.63 / +0.87 dB over the rainy input at seeds 0 / 1,
# ~100 s on one AVX2 core; 400 iterations: +0.84 / +0.58).

optim_wrapper = dict(optimizer=dict(lr=4e-3))
train_cfg = dict(max_iters=300, val_interval=300)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', T_max=270, eta_min=1e-5, by_epoch=False, begin=30, end=300),
]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=300, max_keep_ckpts=2))
