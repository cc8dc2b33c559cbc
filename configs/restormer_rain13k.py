# Restormer trained and tested on Rain13K (tested on Test100, Rain100H, Rain100L, Test2800, Test1200) with Restormer's recipe
# (configs/_base_/schedules/restormer_300k.py); the data layout is in the dataset base file.
_base_ = [
    './_base_/models/restormer.py',
    './_base_/datasets/rain13k.py',
    './_base_/schedules/restormer_300k.py',
    './_base_/default_runtime.py',
]
