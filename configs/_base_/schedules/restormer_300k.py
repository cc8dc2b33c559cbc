# Restormer's deraining recipe (Zamir et al., CVPR 2022, Sec. 4 and its official
# Deraining/Options/Deraining_Restormer.yml + basicsr/train.py at github.com/swz30/Restormer),
# iteration based: AdamW (lr 3e-4, weight decay 1e-4, betas (0.9, 0.999)), gradients clipped
# to norm 0.01 (use_grad_clip, clip_grad_norm_(..., 0.01) in image_restoration_model.py),
# 300k iterations: lr held at 3e-4 for 92k iterations, then cosine annealing to 1e-6 over the
# remaining 208k, validation every 4k iterations (val_freq).
# Progressive patches (Sec. 3.3, the yml's mini_batch_sizes / iters / gt_sizes): the loader
# yields 8 patches of 384x384 per GPU and the loop cuts each batch to the stage's size
# (derain_toolkit/engine/progressive_patches.py); the dataset side (384 crops, 8 orientations,
# batch 8) is in the restormer_*.py configs (restormer_train_pipeline of paired_dataloaders.py).
# A resume skips the batches trained on by index instead of loading them (the progressive loop
# extends ResumableIterBasedTrainLoop).
# The DDSA paper (Sec. 3.2) uses the same shape with lr 1e-4 and fixed 128 patches (ddsa_rain13k.py).
# The recipe's global batch per stage (8 GPUs x patch_schedule.batch_sizes): on fewer GPUs training
# accumulates gradients to reach it (derain_toolkit/engine/recipe_batch.py; 8 iterations per step on 1 GPU).
global_batch_size = [64, 40, 32, 16, 8, 8]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=3e-4, weight_decay=1e-4, betas=(0.9, 0.999)),
    clip_grad=dict(max_norm=0.01))

param_scheduler = [
    dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=92000),
    dict(type='CosineAnnealingLR', T_max=208000, eta_min=1e-6, by_epoch=False, begin=92000, end=300000),
]

train_cfg = dict(
    type='ProgressiveIterBasedTrainLoop',
    max_iters=300000,
    val_interval=4000,
    patch_schedule=dict(
        iters=[92000, 64000, 48000, 36000, 36000, 24000],
        patch_sizes=[128, 160, 192, 256, 320, 384],
        batch_sizes=[8, 5, 4, 2, 1, 1]))
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
