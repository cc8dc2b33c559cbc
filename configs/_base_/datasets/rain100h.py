# Rain100H (Yang et al., JORDER; CLIP-RPN Sec. 4.1): 1800 training and 100 test pairs, heavy rain.
# Expected layout (the JORDER release, flat folders, paired by the number N):
#   data/Rain100H/train/rain-1.png ... rain-1800.png, norain-1.png ... norain-1800.png
#   data/Rain100H/test/rain-001.png ... rain-100.png, norain-001.png ... norain-100.png
# (Restormer's processed copy, data/Rain100H/test/{input,target}/, is detected too.)
data_root = 'data/Rain100H'
train_root = data_root + '/train'
test_root = data_root + '/test'
dataset_name = 'Rain100H'
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
    dataset=dict(type='PairedRainDataset', data_root=train_root, layout='auto', name=dataset_name,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='PairedRainDataset', data_root=test_root, layout='auto', name=dataset_name,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PSNRMetric'), dict(type='SSIMMetric')]
test_evaluator = val_evaluator
