# A tiny FADformer on synthetic rain, for CPU (as restormer_tiny_synthetic.py): the same parts (FFCM, PGFN with
# the residue-channel prior, L1 + 0.1 FCR, test_merge) at width 8 with one FAD block per stage, 64x64 renders,
# batch 4 (FCR needs more than 2 samples), the tiny CPU schedule.
#   python tools/train.py configs/fadformer_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/fadformer.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

model = dict(backbone=dict(dim=8, depths=(1, 1, 1, 1, 1)))

train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(image_size=64))
val_dataloader = dict(num_workers=0)
test_dataloader = dict(num_workers=0)
default_hooks = dict(logger=dict(interval=50))
