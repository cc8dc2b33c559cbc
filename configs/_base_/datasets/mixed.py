# Mixed (CLIP-RPN Sec. 4.1): Rain100L + Rain100H + Rain800, training sets together for
# training and test sets together for testing; the metrics report PSNR/SSIM over all
# test images and per source (PSNR_Rain100L, ...).
# Expected layout: the three datasets side by side, as in rain100l.py, rain100h.py, rain800.py:
#   data/Rain100L/{train,test}/rain-N.png + norain-N.png
#   data/Rain100H/{train,test}/rain-N.png + norain-N.png
#   data/Rain800/{training,test_syn}/N.jpg (clean and rainy halves side by side)
_base_ = ['./paired_dataloaders.py']

train_dataloader = dict(dataset=dict(type='MixedRainDataset', datasets=[
    dict(type='PairedRainDataset', data_root='data/Rain100L/train', name='Rain100L',
         pipeline={{_base_.train_pipeline}}),
    dict(type='PairedRainDataset', data_root='data/Rain100H/train', name='Rain100H',
         pipeline={{_base_.train_pipeline}}),
    dict(type='PairedRainDataset', data_root='data/Rain800/training', name='Rain800', rain800_rain_side='right',
         pipeline={{_base_.train_pipeline}}),
]))
val_dataloader = dict(dataset=dict(type='MixedRainDataset', datasets=[
    dict(type='PairedRainDataset', data_root='data/Rain100L/test', name='Rain100L',
         pipeline={{_base_.test_pipeline}}),
    dict(type='PairedRainDataset', data_root='data/Rain100H/test', name='Rain100H',
         pipeline={{_base_.test_pipeline}}),
    dict(type='PairedRainDataset', data_root='data/Rain800/test_syn', name='Rain800', rain800_rain_side='right',
         pipeline={{_base_.test_pipeline}}),
]))
test_dataloader = val_dataloader
