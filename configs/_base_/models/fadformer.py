# FADformer (Gao et al., "Efficient Frequency-Domain Image Deraining with Contrastive Regularization",
# ECCV 2024), the released network: the official FADformer() factory (deng-ai-lab/FADformer 75a8835,
# models/FADformer.py): a 3-level U-Net of FAD blocks, width 32, depths (4, 8, 10, 8, 4), each block a
# Fused Fourier Conv Mixer (FFCM) and a Prior-Gated FFN (PGFN, expansion 2) fed the residue-channel prior.
# 7,435,737 parameters, 6,958,041 of them run (the paper's 6.958 M; tools/complexity.py 'Param run (M)').
# Loss L1 + 0.1 * FCR (train_*.py). Test time: predict_with_metrics.py test_merge, the four corner crops of a
# multiple-of-4 size averaged ("option2 ... to reproduce the performance table in our paper").
model = dict(
    type='Derainer',
    backbone=dict(
        type='FADformer',
        in_channels=3,
        out_channels=3,
        dim=32,
        depths=(4, 8, 10, 8, 4),
        mixer=dict(type='FusedFourierConvMixer'),
        ffn=dict(type='PriorGatedFFN', expansion_factor=2.0)),
    generator=dict(type='DirectGenerator'),
    losses=[dict(type='L1Loss', loss_weight=1.0), dict(type='FCRLoss', loss_weight=0.1, num_negatives=2)],
    test_time=dict(type='CornerCropMerge', multiple=4),
    data_preprocessor=dict(type='DerainDataPreprocessor'))
# Official weights ({'state_dict': DataParallel sd}, keys 'module.') load through this release's key mapping
# (derain_toolkit/checkpoints/converters/fadformer.py).
checkpoint_converter = 'fadformer'
