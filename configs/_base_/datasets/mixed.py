# Mixed (CLIP-RPN Sec. 4.1): Rain100L + Rain100H + Rain800, training sets together for
# training and test sets together for testing; the metrics report PSNR/SSIM over all
# test images and per source (PSNR_Rain100L, ...).
# Expected layout: the three datasets side by side, as in rain100l.py, rain100h.py, rain800.py:
#   data/Rain100L/{train,test}/rain-N.png + norain-N.png
#   data/Rain100H/{train,test}/rain-N.png + norain-N.png
#   data/Rain800/{training,test_syn}/N.jpg (clean and rainy halves side by side)
rain100l_root = 'data/Rain100L'
rain100h_root = 'data/Rain100H'
rain800_root = 'data/Rain800'
rain800_rain_side = 'right'
patch_size = 128

train_pipeline = [
    dict(type='PairedRandomCrop', patch_size=patch_size),
    dict(type='PairedRandomFlip', horizontal_prob=0.5, vertical_prob=0.5),
    dict(type='PairedToTensor'),
]
test_pipeline = [dict(type='PairedToTensor')]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='MixedRainDataset', datasets=[
        dict(type='PairedRainDataset', data_root=rain100l_root + '/train', name='Rain100L',
             pipeline=train_pipeline),
        dict(type='PairedRainDataset', data_root=rain100h_root + '/train', name='Rain100H',
             pipeline=train_pipeline),
        dict(type='PairedRainDataset', data_root=rain800_root + '/training', name='Rain800',
             rain800_rain_side=rain800_rain_side, pipeline=train_pipeline),
    ]))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='MixedRainDataset', datasets=[
        dict(type='PairedRainDataset', data_root=rain100l_root + '/test', name='Rain100L',
             pipeline=test_pipeline),
        dict(type='PairedRainDataset', data_root=rain100h_root + '/test', name='Rain100H',
             pipeline=test_pipeline),
        dict(type='PairedRainDataset', data_root=rain800_root + '/test_syn', name='Rain800',
             rain800_rain_side=rain800_rain_side, pipeline=test_pipeline),
    ]))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PSNRMetric'), dict(type='SSIMMetric')]
test_evaluator = val_evaluator
