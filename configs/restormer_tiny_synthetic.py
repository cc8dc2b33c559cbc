# A tiny Restormer on synthetic rain: trains in about a minute on 2 CPU cores and beats
# the rainy input in PSNR. The smoke test of the whole pipeline (tests/tools/test_train.py):
#   python tools/train.py configs/restormer_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/restormer.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

image_size = 48
model = dict(backbone=dict(dim=8, num_blocks=(1, 1, 1), num_refinement_blocks=1, heads=(1, 1, 2),
                           ffn_expansion_factor=2.0))

train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(num_samples=64, image_size=image_size))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(num_samples=8, image_size=image_size))
test_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(num_samples=8, image_size=image_size))

default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=100, max_keep_ckpts=2))
log_processor = dict(window_size=20)
