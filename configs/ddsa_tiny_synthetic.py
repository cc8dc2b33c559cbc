# DDSA at toy size on the embedded synthetic rain, for CPU: the same blocks (DDSA attention
# with both branches, SEFN with SA) in a 3-level U-Net of width 8, 64x64 training renders,
# the tiny_cpu optimiser stretched to 600 iterations (200 leave the output below the rainy
# input's PSNR on the synthetic val set; 600 beat it). On a busy CPU set OMP_NUM_THREADS=1.
#   python tools/train.py configs/ddsa_tiny_synthetic.py --device cpu
_base_ = [
    '_base_/models/ddsa.py',
    '_base_/datasets/synthetic.py',
    '_base_/schedules/tiny_cpu.py',
    '_base_/default_runtime.py',
]

model = dict(backbone=dict(dim=8, num_blocks=(1, 1, 2), heads=(1, 2, 4), num_refinement_blocks=1))
train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(image_size=64))
val_dataloader = dict(num_workers=0)
test_dataloader = dict(num_workers=0)
train_cfg = dict(max_iters=600, val_interval=300)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', T_max=580, eta_min=1e-5, by_epoch=False, begin=20, end=600),
]
default_hooks = dict(logger=dict(interval=50))
