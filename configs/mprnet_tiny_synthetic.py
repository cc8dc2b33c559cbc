# A tiny MPRNet on synthetic rain, for CPU (as restormer_tiny_synthetic.py): the same three stages, SAMs,
# cross-stage fusion and per-stage Charbonnier + edge loss at 8 channels (+4 per level), 1 CAB per ORB.
#   python tools/train.py configs/mprnet_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/mprnet.py',
    './_base_/datasets/synthetic_tiny.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

# The paper's losses plus the PSNR loss (models/losses/psnr_loss.py): without it, whether a few hundred
# iterations end above the rainy input depended on the seed (issue 16: -3.4 to +0.5 dB for MPRNet, PromptIR
# and DRSformer over two seeds); with it every tiny config gained over the input at both seeds measured.
model = dict(
    losses=[
        dict(type='MultiStageLoss', loss=dict(type='CharbonnierLoss', eps=1e-3), loss_weight=1.0),
        dict(type='MultiStageLoss', loss=dict(type='EdgeLoss', eps=1e-3), loss_weight=0.05),
        dict(type='PSNRLoss', loss_weight=0.1),
    ],
    backbone=dict(n_feat=8, scale_unetfeats=4, scale_orsnetfeats=4, num_cab=1, reduction=2))

# Budget: 32x32 renders, batch 4, 200 iterations at lr 2e-3 (+1.10 / +1.29 dB over the rainy input at seeds 0 / 1,
# ~45 s on one AVX2 core; 250 iterations: +1.26 / +1.45, 400: +1.54 / +1.80; at 4e-3 the output stayed below the
# input).

optim_wrapper = dict(optimizer=dict(lr=2e-3))
train_cfg = dict(max_iters=200, val_interval=200)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', T_max=180, eta_min=1e-5, by_epoch=False, begin=20, end=200),
]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=200, max_keep_ckpts=2))
