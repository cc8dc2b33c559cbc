# Restormer trained and tested on Rain100H with Restormer's recipe
# (configs/_base_/schedules/restormer_300k.py: gradient clipping, progressive patches) and its
# augmentation (8 flips/rotations of 384 crops, below);
# the data layout is in the dataset base file.
_base_ = [
    './_base_/models/restormer.py',
    './_base_/datasets/rain100h.py',
    './_base_/schedules/restormer_300k.py',
    './_base_/default_runtime.py',
]

# Paper: 8 GPUs x 8 patches (global batch 64 in the first stage); 8 per GPU here, and fewer GPUs
# accumulate gradients up to the recipe's global_batch_size (schedules/restormer_300k.py).
train_dataloader = dict(batch_size=8, dataset=dict(pipeline={{_base_.restormer_train_pipeline}}))
default_hooks = dict(checkpoint=dict(interval=4000))  # official save_checkpoint_freq 4e3 (Deraining_Restormer.yml)
