# A schedule for smoke tests and the tiny configs: a few hundred iterations on 2 CPU
# cores. AdamW with a short linear warm-up, then cosine annealing (the CLIP-RPN shape).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.01, betas=(0.9, 0.999)))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', T_max=180, eta_min=1e-5, by_epoch=False, begin=20, end=200),
]

# A resume skips the batches trained on by index instead of loading them (ResumableIterBasedTrainLoop).
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=200, val_interval=100)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
