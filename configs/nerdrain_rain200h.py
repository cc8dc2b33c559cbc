# NeRD-Rain trained and tested on Rain200H with the official recipe (train.py defaults, test.py's 256x256 windows).
_base_ = [
    '_base_/models/nerdrain.py',
    '_base_/datasets/rain200h.py',
    '_base_/schedules/nerdrain_3000e.py',
    '_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=1, sampler=dict(type='DefaultSampler', shuffle=True),
                        dataset=dict(pipeline={{_base_.nerdrain_train_pipeline}}))
