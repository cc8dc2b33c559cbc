# IR-SDE (Luo et al., ICML 2023) for deraining, the base of the DA-CLIP paper (Sec. IV-V):
# a conditional DDPM-style U-Net predicts the noise of a mean-reverting SDE (cosine θ
# schedule, T = 100, eps = 0.005, λ = 10/255 as the official deraining option); the loss is
# ℓ1 between the reverse-SDE mean step and the optimal x*_{t-1} (IRSDEGenerator returns
# them as pred/target). Test-time sampling as the official test options (sampling_mode:
# posterior): all T steps of the closed-form posterior from x_T = μ + λz, seed 0 (the
# official scripts draw unseeded). The sampler is a SAMPLERS part: dict(type='EulerMaruyamaSampler')
# is the official Euler-Maruyama, dict(type='MRSampler', steps=10, solver='ode', order=2,
# prediction='data') the MR Sampler (arXiv 2502.07856); on the command line:
# --cfg-options model.generator.sampler.type=MRSampler model.generator.sampler.steps=10
# The U-Net is the official deraining network (image-restoration-sde, codes/config/deraining,
# ConditionalUNet(in_nc=3, out_nc=3, nf=64, depth=4)): widths 128/256/512/1024 (64 stem),
# linear attention at every level, 137,147,523 parameters; the paper text (Sec. V-B) says the
# U-Net has no self-attention, the official code (followed here) keeps linear attention.
# Official checkpoints load through the 'irsde_unet' converter.
model = dict(
    type='Derainer',
    backbone=dict(
        type='ConditionalUNet',
        in_channels=3,
        out_channels=3,
        nf=64,
        ch_mult=(2, 4, 8, 16),
        attention='linear',
        heads=4,
        dim_head=32,
        embed_dim=512,
        content_cross_attention=False,
        degradation_prompt=False),
    generator=dict(
        type='IRSDEGenerator',
        stationary_std=10 / 255,
        num_steps=100,
        eps=0.005,
        schedule='cosine',
        sampler=dict(type='PosteriorSampler', steps=100),
        seed=0,
        progress_bar=True),  # daclip=dict(type='DACLIP', ...) adds DA-CLIP guidance
    losses=[dict(type='L1Loss', loss_weight=1.0)],
    data_preprocessor=dict(type='DerainDataPreprocessor'))
checkpoint_converter = 'irsde_unet'
