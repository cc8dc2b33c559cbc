# A tiny Restormer on synthetic rain: trains in about a minute on 2 idle CPU cores and
# beats the rainy input in PSNR on the synthetic val and test sets. The main job of
# scripts/demo.sh and the smoke test of the whole pipeline (tests/tools/test_train.py):
#   python tools/train.py configs/restormer_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/restormer.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

model = dict(backbone=dict(dim=8, num_blocks=(1, 1, 1), num_refinement_blocks=1, heads=(1, 1, 2),
                           ffn_expansion_factor=2.0))

train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(image_size=64))
val_dataloader = dict(num_workers=0)
test_dataloader = dict(num_workers=0)

train_cfg = dict(max_iters=600, val_interval=300)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', T_max=580, eta_min=1e-5, by_epoch=False, begin=20, end=600),
]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=300, max_keep_ckpts=2))
log_processor = dict(window_size=50)
