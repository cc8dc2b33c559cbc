# DRSformer trained and tested on DID-Data (FADformer / NeRD-Rain Table 1, DRSformer row) with its official
# recipe (Options/Deraining.yml: 300k iterations, 128x128 crops, batch 4 per GPU on 4 GPUs).
_base_ = [
    './_base_/models/drsformer.py',
    './_base_/datasets/did.py',
    './_base_/schedules/drsformer_300k.py',
    './_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline={{_base_.drsformer_train_pipeline}}))
