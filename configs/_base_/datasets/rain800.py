# Rain800 (Zhang et al., ID-CGAN; CLIP-RPN Sec. 4.1): 700 training and 100 test pairs.
# Expected layout (the ID-CGAN release: each JPEG holds the clean and the rainy half side by side):
#   data/Rain800/training/1.jpg ... 700.jpg
#   data/Rain800/test_syn/1.jpg ... 100.jpg
# Which half is rainy differs between copies and loaders: look at one image and set
# rain800_rain_side ('left' or 'right'). A copy split into rain/ + norain/ folders
# (or rainy/ + gt/) per split is detected as layout 'rain800_folders'.
data_root = 'data/Rain800'
train_root = data_root + '/training'
test_root = data_root + '/test_syn'
dataset_name = 'Rain800'
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
    dataset=dict(type='PairedRainDataset', data_root=train_root, layout='auto', name=dataset_name,
                 rain800_rain_side=rain800_rain_side, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='PairedRainDataset', data_root=test_root, layout='auto', name=dataset_name,
                 rain800_rain_side=rain800_rain_side, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PSNRMetric'), dict(type='SSIMMetric')]
test_evaluator = val_evaluator
