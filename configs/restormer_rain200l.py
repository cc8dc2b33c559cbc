# Restormer trained and tested on Rain200L (FADformer / NeRD-Rain Table 1, Restormer row) with Restormer's
# recipe and augmentation, as restormer_rain100h.py. Data and scoring: the dataset base.
_base_ = [
    './_base_/models/restormer.py',
    './_base_/datasets/rain200l.py',
    './_base_/schedules/restormer_300k.py',
    './_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=8, dataset=dict(pipeline={{_base_.restormer_train_pipeline}}))
default_hooks = dict(checkpoint=dict(interval=4000))  # official save_checkpoint_freq 4e3 (Deraining_Restormer.yml)
