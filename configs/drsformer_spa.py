# DRSformer trained and tested on SPA-Data (FADformer / NeRD-Rain Table 1, DRSformer row) with its official
# recipe (Options/Deraining.yml: 300k iterations, 128x128 crops, batch 4 per GPU on 4 GPUs).
_base_ = [
    './_base_/models/drsformer.py',
    './_base_/datasets/spa.py',
    './_base_/schedules/drsformer_300k.py',
    './_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline={{_base_.drsformer_train_pipeline}}))
# No MEFC for Rain200L and SPA-Data (official README; DRSformer_arch_200L+SPA.py): 32,610,304 parameters.
model = dict(backbone=dict(use_mefc=False))
