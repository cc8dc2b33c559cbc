# FADformer's official schedule (train_rain200.py + configs/rain200/FADformer.json; train_DID.py and
# train_DDN.py differ only in the epoch count): AdamW lr 1e-3 with torch's defaults (betas (0.9, 0.999),
# weight decay 0.01), gradients clipped to norm 0.01, CosineAnnealingLR(T_max=epochs, eta_min=1e-5)
# stepped once per epoch over epochs + 1 epochs (the loop runs range(epochs + 1): the last epoch at 1e-5),
# validation every epoch (the best PSNR is kept). The seed (torch.manual_seed(8001)) is set by each
# fadformer_<set>.py (default_runtime.py owns `randomness`).
epochs = 800
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01, betas=(0.9, 0.999)),
    clip_grad=dict(max_norm=0.01))

param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=epochs, eta_min=1e-5, by_epoch=True, begin=0, end=epochs + 1),
]

train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=epochs + 1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
