# IR-SDE on CPU in about a minute: a tiny conditional U-Net (nf 16, 3 levels) on 32x32
# synthetic rain, trained with the official objective (l1 between the reverse-SDE mean
# step and the optimal x*_{t-1}) plus the PSNR of the clean image the network implies
# (OutputPairLoss on the generator's 'clean', the x0-objective of diffusion models).
# Settings that differ from the official ones, measured as what lets a tiny network
# trained for minutes sample at all (without them its samples land 5-15 dB below the
# rainy input):
#   * T = 20 time steps, all used at test time (sampler steps = T);
#   * eps = 0.1 instead of 0.005: x_T keeps 10 % of (x0 - mu) in its mean, so the reverse
#     SDE expands deviations by 1/eps = 10x instead of 200x over the trajectory;
#   * prediction='clean': the network predicts x0 - mu, turned into the noise of x_t by
#     Eq. (7) (the score, objective and sampler are unchanged);
#   * with Euler-Maruyama, last_step_noise=False: the Euler step that ends at t = 0 adds no
#     noise (the default posterior sampler's last step has variance 0 anyway; with
#     prediction='clean' it uses the network's x0 directly). Posterior vs Euler
#     (model.generator.sampler=dict(type='EulerMaruyamaSampler', steps=20, last_step_noise=False))
#     on the 8 test images after 2000 iters: within +-0.1 dB of each other over two seeds.
#   * the U-Net: nf 16, 3 levels of widths 16/32/32, no attention (the official network
#     has linear attention at every level; 'none' is the paper text), 318,931 parameters.
# lambda stays 10/255 (official IR-SDE deraining). Evaluated in RGB and on Y as Tables
# I-II; no LPIPS (its weights are not available offline).
_base_ = [
    './_base_/models/irsde.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

# Budget: 256 renders, batch 8, 500 iterations at lr 2e-3 with the clean-image PSNR at weight 1 (~85 s on one AVX2
# core): +0.47 / +0.44, +0.32 / +0.37 and +0.35 / +0.29 dB (RGB / Y) over the rainy input at seeds 0 / 1 / 2
# (docs/benchmarks.md, "Tiny configs"). With 64 renders seed 1 ended at the input (+0.02 / +0.08), at 300
# iterations too (+0.02 / -0.10). The official objective alone: +0.11 / +0.20 at seed 0 after 2000 iterations at
# batch 4 (~190 s); with the clean PSNR at weight 0.1, +0.34 / +0.23.
model = dict(
    losses=[dict(type='L1Loss', loss_weight=1.0),
            dict(type='OutputPairLoss', loss=dict(type='PSNRLoss'), pred_key='clean', loss_weight=1.0)],
    backbone=dict(nf=16, ch_mult=(1, 2, 2), attention='none', heads=2, dim_head=8),
    generator=dict(num_steps=20, sampler=dict(steps=20), eps=0.1, prediction='clean', progress_bar=False))

train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                        dataset=dict(image_size=32, num_samples=256))
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                      dataset=dict(image_size=32, num_samples=8))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=2e-3, weight_decay=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', T_max=450, eta_min=1e-5, by_epoch=False, begin=50, end=500),
]
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=500, val_interval=500)

val_evaluator = [
    dict(type='PSNRMetric', y_channel=False, prefix='RGB'),
    dict(type='SSIMMetric', y_channel=False, prefix='RGB'),
    dict(type='PSNRMetric', y_channel=True, prefix='Y'),
    dict(type='SSIMMetric', y_channel=True, prefix='Y'),
]
test_evaluator = val_evaluator
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=500, save_best='Y/PSNR', rule='greater'))
