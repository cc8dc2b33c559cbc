# Tiny CLIP-RPN on the embedded synthetic rain (no download, random tiny CLIP): the whole pipeline (router,
# mask heads, MGCA branches, DLS + mask BCE) on a 2-level U-Net of width 8. A demo, not a paper result.
#   python tools/train.py configs/clip_rpn_tiny_synthetic.py --device cpu
_base_ = [
    '_base_/models/clip_rpn_tiny.py',
    '_base_/datasets/synthetic_tiny.py',
    '_base_/schedules/tiny_cpu.py',
    '_base_/default_runtime.py',
]

# Two levels: with 4 (clip_rpn_tiny.py) or 3 the output stayed below the rainy input at this budget.
# The paper's losses plus the PSNR loss (models/losses/psnr_loss.py): without it, whether a few hundred
# iterations end above the rainy input depended on the seed (issue 16: -3.4 to +0.5 dB for MPRNet, PromptIR
# and DRSformer over two seeds); with it every tiny config gained over the input at both seeds measured.
model = dict(
    losses=[
        dict(type='DLSLoss', beta=0.8, eta=2.3, schedule='linear', loss_weight=1.0),
        dict(type='RainMaskBCELoss', threshold=0.1, target_resize='area', loss_weight=0.1),
        dict(type='PSNRLoss', loss_weight=0.1),
    ],
    backbone=dict(backbone=dict(num_blocks=(1, 1), heads=(1, 1))))

# Budget: 32x32 renders, batch 16, 100 iterations at lr 4e-3 (+1.46 / +1.76 dB over the rainy input at seeds 0 / 1,
# ~35 s on one AVX2 core; 150 iterations: +1.75 / +3.17, 200: +1.81 / +2.08). DLS's exponent grows with the schedule to 3.1, which weighs the large errors of heavy rain
# over the small ones of light rain: at short budgets it ends ~2 dB below the L1 loss (measured in issue 16 on the
# 4-level network).
train_dataloader = dict(batch_size=16)

optim_wrapper = dict(optimizer=dict(lr=4e-3))
train_cfg = dict(max_iters=100, val_interval=100)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', T_max=90, eta_min=1e-5, by_epoch=False, begin=10, end=100),
]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=100, max_keep_ckpts=2))
