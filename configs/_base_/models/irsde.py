# IR-SDE (Luo et al., ICML 2023) for deraining, the base of the DA-CLIP paper (Sec. IV-V):
# a conditional DDPM-style U-Net without self-attention (nf 64, channel multipliers
# (1, 2, 4, 8), paper Sec. V-B) predicts the noise of a mean-reverting SDE (cosine θ
# schedule, T = 100, eps = 0.005, λ = 10/255 as the official deraining option); the loss is
# ℓ1 between the reverse-SDE mean step and the optimal x*_{t-1} (IRSDEGenerator returns
# them as pred/target). Test-time sampling as the official test options (sampling_mode:
# posterior): all T steps of the closed-form posterior from x_T = μ + λz, seed 0 (the
# official scripts draw unseeded); sampler='euler' gives Euler-Maruyama instead.
model = dict(
    type='Derainer',
    backbone=dict(
        type='ConditionalUNet',
        in_channels=3,
        out_channels=3,
        nf=64,
        ch_mult=(1, 2, 4, 8),
        attention='none',
        embed_dim=512,
        content_cross_attention=False,
        degradation_prompt=False),
    generator=dict(
        type='IRSDEGenerator',
        stationary_std=10 / 255,
        num_steps=100,
        eps=0.005,
        schedule='cosine',
        sampler='posterior',
        sample_steps=100,
        seed=0,
        progress_bar=True),  # daclip=dict(type='DACLIP', ...) adds DA-CLIP guidance
    losses=[dict(type='L1Loss', loss_weight=1.0)],
    data_preprocessor=dict(type='DerainDataPreprocessor'))
