# DRSformer (Chen et al., CVPR 2023; DDSA paper ref. [27], CLIP-RPN ref. [28]), the official
# deraining configuration (Options/Deraining.yml): Restormer's 4-level U-Net of sparse
# Transformer blocks (TKSA attention with top-k ratios 1/2, 2/3, 3/4, 4/5; MSFN feed-forward),
# dim 48, blocks (4, 6, 6, 8), heads (1, 2, 4, 8), expansion 2.66, no biases, WithBias
# LayerNorm, MEFC after the embedding and as the refinement stage; L1 loss (official pixel_opt).
# 33,655,424 parameters, 220.33 G conv MACs at 256x256, as the official code.
model = dict(
    type='Derainer',
    backbone=dict(
        type='DRSformer',
        inp_channels=3,
        out_channels=3,
        dim=48,
        num_blocks=(4, 6, 6, 8),
        heads=(1, 2, 4, 8),
        ffn_expansion_factor=2.66,
        bias=False,
        layernorm_type='WithBias',
        attn=dict(type='TKSA', topk_ratios=(1 / 2, 2 / 3, 3 / 4, 4 / 5)),
        ffn=dict(type='MSFN'),
        mefc_steps=4),
    generator=dict(type='DirectGenerator'),
    losses=[dict(type='L1Loss', loss_weight=1.0)],
    data_preprocessor=dict(type='DerainDataPreprocessor'))
# Official weights ({'params': ...}, BasicSR) load through this release's key mapping
# (derain_toolkit/checkpoints/converters/drsformer.py).
checkpoint_converter = 'drsformer'
