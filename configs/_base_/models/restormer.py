# Restormer (Zamir et al., CVPR 2022), the deraining configuration: a 4-level U-Net of
# MDTA + GDFN transformer blocks, dim 48, blocks (4, 6, 6, 8), heads (1, 2, 4, 8),
# 4 refinement blocks, GDFN expansion 2.66, no biases, WithBias LayerNorm; L1 loss.
model = dict(
    type='Derainer',
    backbone=dict(
        type='RestormerUNet',
        inp_channels=3,
        out_channels=3,
        dim=48,
        num_blocks=(4, 6, 6, 8),
        num_refinement_blocks=4,
        heads=(1, 2, 4, 8),
        ffn_expansion_factor=2.66,
        bias=False,
        layernorm_type='WithBias',
        attn=dict(type='MDTA'),
        ffn=dict(type='GDFN')),
    generator=dict(type='DirectGenerator'),
    losses=[dict(type='L1Loss', loss_weight=1.0)],
    data_preprocessor=dict(type='DerainDataPreprocessor'))
# Official weights (e.g. Restormer's deraining.pth, {'params': ...}) load through this
# release's key mapping (derain_toolkit/checkpoints/converters/restormer.py).
checkpoint_converter = 'restormer'
