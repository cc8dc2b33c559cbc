# Restormer trained and tested on Rain800 with Restormer's recipe
# (configs/_base_/schedules/restormer_300k.py); the data layout is in the dataset base file.
_base_ = [
    './_base_/models/restormer.py',
    './_base_/datasets/rain800.py',
    './_base_/schedules/restormer_300k.py',
    './_base_/default_runtime.py',
]
