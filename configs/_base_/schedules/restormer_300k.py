# Restormer's deraining recipe (Zamir et al., CVPR 2022, Sec. 4 and its official
# Deraining/Options/Deraining_Restormer.yml), iteration based: AdamW (lr 3e-4,
# weight decay 1e-4, betas (0.9, 0.999)), 300k iterations: lr held at 3e-4 for
# 92k iterations, then cosine annealing to 1e-6 over the remaining 208k.
# The DDSA paper (Sec. 3.2) uses the same shape with lr 1e-4 (override optimizer.lr).
# Restormer's progressive patch sizes are not reproduced: the dataset config's crop is used.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=3e-4, weight_decay=1e-4, betas=(0.9, 0.999)))

param_scheduler = [
    dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=92000),
    dict(type='CosineAnnealingLR', T_max=208000, eta_min=1e-6, by_epoch=False, begin=92000, end=300000),
]

train_cfg = dict(type='IterBasedTrainLoop', max_iters=300000, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
