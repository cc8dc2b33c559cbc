# NeRD-Rain (Chen et al., CVPR 2024), cschenxiang/NeRD-Rain model.py MultiscaleNet() as test.py / train.py build it:
# three scales (1/4, 1/2, full) of 1, 2, 3 transformer U-Nets (MDTA + GDFN, dim 48, blocks [2, 3, 3], heads
# [1, 2, 4], ffn 2.66, no biases, WithBias LayerNorm), two INRs (MLP [256, 256, 256], L = 4) and three
# bidirectional fusions: 22,893,146 parameters (22,888,538 run). NeRD-Rain-S is the same at dim 32.
# Loss (official train.py): on outputs 0-2 (full, 1/2, 1/4) against kornia's Gaussian pyramid of the target,
# Charbonnier (eps 1e-3) + 0.01 FFT + 0.05 edge, plus 0.1 x L1 of outputs 3 and 5 (the INR images) against
# pyramid levels 1 and 2. Tested as test.py does: 256x256 windows (model.test_time).
model = dict(
    type='Derainer',
    backbone=dict(type='NeRDRain', inp_channels=3, out_channels=3, dim=48, num_blocks=[2, 3, 3], heads=[1, 2, 4],
                  ffn_expansion_factor=2.66, bias=False, layernorm_type='WithBias', attn=dict(type='MDTA'),
                  ffn=dict(type='GDFN'), inr_hidden=[256, 256, 256], inr_frequencies=4),
    generator=dict(type='DirectGenerator'),
    losses=[
        dict(type='MultiStageLoss', loss=dict(type='CharbonnierLoss', eps=1e-3), key='outputs', indices=[0, 1, 2],
             target_levels=[0, 1, 2], loss_weight=1.0),
        dict(type='MultiStageLoss', loss=dict(type='FFTLoss'), key='outputs', indices=[0, 1, 2],
             target_levels=[0, 1, 2], loss_weight=0.01),
        dict(type='MultiStageLoss', loss=dict(type='EdgeLoss', eps=1e-3), key='outputs', indices=[0, 1, 2],
             target_levels=[0, 1, 2], loss_weight=0.05),
        dict(type='MultiStageLoss', loss=dict(type='L1Loss'), key='outputs', indices=[3, 5], target_levels=[1, 2],
             loss_weight=0.1),
    ],
    test_time=dict(type='WindowPartition', window_size=256),
    data_preprocessor=dict(type='DerainDataPreprocessor'))
# Official weights (train.py's {'epoch', 'state_dict', 'optimizer'}, keys with or without 'module.') load through
# derain_toolkit/checkpoints/converters/nerdrain.py (NeRD-Rain and NeRD-Rain-S share the names).
checkpoint_converter = 'nerdrain'
