# DRSformer's official recipe (cschenxiang/DRSformer Options/Deraining.yml): Restormer's optimiser,
# gradient clipping and LR schedule (AdamW 3e-4 / 1e-4, clip 0.01, 3e-4 for 92k iterations then
# cosine to 1e-6 over 208k), but one fixed 128x128 patch size (mini_batch_sizes [4] per GPU, 4 GPUs)
# instead of progressive patches; validation every 1k iterations (val_freq 1e3).
_base_ = ['./restormer_300k.py']

train_cfg = dict(_delete_=True, type='ResumableIterBasedTrainLoop', max_iters=300000, val_interval=1000)
