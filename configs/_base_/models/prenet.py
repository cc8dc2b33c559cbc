# PReNet (Ren et al., CVPR 2019), PReNet6 of the paper and csdwren/PReNet networks.PReNet: 6 recurrent
# stages sharing one conv + ReLU on (rainy image, previous estimate), a convolutional LSTM and 5
# residual blocks at 32 channels; 168,963 parameters, 66.25 G conv MACs at 256x256 (as the official
# code). Loss: negative SSIM of the last stage (official train_PReNet.py).
model = dict(
    type='Derainer',
    backbone=dict(type='PReNet', in_channels=3, channels=32, stages=6, num_res_blocks=5),
    generator=dict(type='DirectGenerator'),
    losses=[dict(type='SSIMLoss', window_size=11, sigma=1.5, loss_weight=1.0)],
    data_preprocessor=dict(type='DerainDataPreprocessor'))
# Official weights (logs/<set>/PReNet6/net_latest.pth, a plain state dict) load through this
# release's key mapping (derain_toolkit/checkpoints/converters/prenet.py).
checkpoint_converter = 'prenet'
