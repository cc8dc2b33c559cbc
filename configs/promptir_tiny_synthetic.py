# A tiny PromptIR on synthetic rain, for CPU (as restormer_tiny_synthetic.py). The official code
# runs only at dim 48 (hard-coded prompt widths); the toolkit's widths scale with dim, so this is
# the same network at dim 12: prompts of 80/32/16 channels (dim * (20, 8, 4) // 3) of 8/16/32 px, resized
# to the features as in the official code (the official 16/32/64 px are the feature sizes of 128x128 crops).
#   python tools/train.py configs/promptir_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/promptir.py',
    './_base_/datasets/synthetic_tiny.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

# The paper's losses plus the PSNR loss (models/losses/psnr_loss.py): without it, whether a few hundred
# iterations end above the rainy input depended on the seed (issue 16: -3.4 to +0.5 dB for MPRNet, PromptIR
# and DRSformer over two seeds); with it every tiny config gained over the input at both seeds measured.
model = dict(
    losses=[dict(type='L1Loss'), dict(type='PSNRLoss', loss_weight=0.1)],
    backbone=dict(dim=12, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1, heads=(1, 1, 2, 2),
                           ffn_expansion_factor=2.0, prompt_sizes=(8, 16, 32)))

# Budget: 32x32 renders, batch 4, 200 iterations at lr 4e-3 (+1.36 / +1.67 dB over the rainy input at seeds 0 / 1,
# ~40 s on one AVX2 core; 250 iterations: +1.54 / +1.58, 400: +1.50 / +2.14).

optim_wrapper = dict(optimizer=dict(lr=4e-3))
train_cfg = dict(max_iters=200, val_interval=200)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', T_max=180, eta_min=1e-5, by_epoch=False, begin=20, end=200),
]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=200, max_keep_ckpts=2))
