# CLIP-RPN Sec. 4.2: AdamW (lr 2e-4, weight decay 0.01, betas (0.9, 0.999)), 300 epochs,
# linear warm-up over the first 15 epochs, then cosine annealing for the rest.
#
# Epochs -> iterations: the loop is epoch-based and both schedulers use
# `convert_to_iter_based=True`, so mmengine steps them every iteration with
# iters_per_epoch = len(train_dataloader) = ceil(N_train / (batch_size * world_size)).
# The warm-up thus lasts 15 * iters_per_epoch iterations and DLS's T (runner.max_iters)
# is 300 * iters_per_epoch, "determined after specifying the training dataset size,
# epoch, and batch size" (Sec. 3.4). E.g. Rain100L (200 pairs) at batch 8: 25 iters/epoch,
# warm-up 375 iters, T = 7500.
# Resuming from an iteration checkpoint inside an epoch continues that epoch where it stopped
# (ResumableEpochBasedTrainLoop), so the run still ends at T with the LR schedule in step.
# An epoch-based loop needs a finite sampler: configs using this schedule set
# train_dataloader.sampler = dict(type='DefaultSampler', shuffle=True).
# Choices the paper leaves open: warm-up starts at lr * 1e-3 and the cosine ends at 1e-6.
# The paper trains in mixed precision: tools/train.py --precision auto picks bf16 where the device runs it natively (or --precision fp16).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=0.01, betas=(0.9, 0.999)))

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=15, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=285, eta_min=1e-6, by_epoch=True, begin=15, end=300,
         convert_to_iter_based=True),
]

train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=300, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
