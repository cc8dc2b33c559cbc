# MPRNet (Zamir et al., CVPR 2021), the deraining configuration of swz30/MPRNet Deraining/MPRNet.py:
# three stages (2x2 patches -> 2 halves -> full image) of CAB encoder-decoders and ORSNet, joined by
# SAM and cross-stage feature fusion; n_feat 40, scale_unetfeats 20, scale_orsnetfeats 16, 8 CABs
# per ORB, kernel 3, reduction 4, no biases; 3,637,249 parameters, 140.98 G conv MACs at 256x256 (as
# the official code). Loss (Eq. 1, official Deraining/train.py): on each of the three stage outputs,
# Charbonnier (ε = 1e-3) + 0.05 x edge loss.
model = dict(
    type='Derainer',
    backbone=dict(type='MPRNet', in_channels=3, out_channels=3, n_feat=40, scale_unetfeats=20, scale_orsnetfeats=16,
                  num_cab=8, kernel_size=3, reduction=4, bias=False),
    generator=dict(type='DirectGenerator'),
    losses=[
        dict(type='MultiStageLoss', loss=dict(type='CharbonnierLoss', eps=1e-3), loss_weight=1.0),
        dict(type='MultiStageLoss', loss=dict(type='EdgeLoss', eps=1e-3), loss_weight=0.05),
    ],
    data_preprocessor=dict(type='DerainDataPreprocessor'))
# Official weights (model_deraining.pth, {'state_dict': ...} with or without 'module.') load through
# this release's key mapping (derain_toolkit/checkpoints/converters/mprnet.py).
checkpoint_converter = 'mprnet'
