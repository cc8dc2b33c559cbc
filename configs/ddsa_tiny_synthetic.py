# DDSA at toy size on the embedded synthetic rain, for CPU: the same blocks (DDSA attention with both
# branches, SEFN with SA) in a 3-level U-Net of width 8.
#   python tools/train.py configs/ddsa_tiny_synthetic.py --device cpu
_base_ = [
    '_base_/models/ddsa.py',
    '_base_/datasets/synthetic_tiny.py',
    '_base_/schedules/tiny_cpu.py',
    '_base_/default_runtime.py',
]

# The paper's losses plus the PSNR loss (models/losses/psnr_loss.py): without it, whether a few hundred
# iterations end above the rainy input depended on the seed (issue 16: -3.4 to +0.5 dB for MPRNet, PromptIR
# and DRSformer over two seeds); with it every tiny config gained over the input at both seeds measured.
model = dict(
    losses=[dict(type='L1Loss'), dict(type='PSNRLoss', loss_weight=0.1)],
    backbone=dict(dim=8, num_blocks=(1, 1, 2), heads=(1, 2, 4), num_refinement_blocks=1))

# Budget: 32x32 renders, batch 16, 150 iterations at lr 4e-3 (+0.79 / +1.30 dB over the rainy input at seeds 0 / 1,
# ~55 s on one AVX2 core; 200 iterations: +1.46 / +1.56, 300: +1.68 / +1.80; batch 4 for 400 iterations ended
# 0.2 dB over the input).
train_dataloader = dict(batch_size=16)

optim_wrapper = dict(optimizer=dict(lr=4e-3))
train_cfg = dict(max_iters=150, val_interval=150)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=15),
    dict(type='CosineAnnealingLR', T_max=135, eta_min=1e-5, by_epoch=False, begin=15, end=150),
]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=150, max_keep_ckpts=2))
