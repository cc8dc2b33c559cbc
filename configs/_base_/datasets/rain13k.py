# Rain13K (Restormer's deraining setup): train on Rain13K, test on Test100, Rain100H,
# Rain100L, Test2800 and Test1200. The test loader holds the five sets together; the
# metrics report the mean over all images and per set (PSNR_Test100, ...), so one run
# gives the per-set columns of Restormer's table. For one row per set plus their average
# (Restormer / DDSA Table 1), a model config can set
#   test_dataloader = test_dataloaders_by_set
#   test_cfg = dict(_delete_=True, type='MultiDatasetTestLoop')
# Expected layout (Restormer's download_data.py):
#   data/Rain13K/Datasets/train/Rain13K/{input,target}/
#   data/Rain13K/Datasets/test/{Test100,Rain100H,Rain100L,Test2800,Test1200}/{input,target}/
data_root = 'data/Rain13K/Datasets'
train_root = data_root + '/train/Rain13K'
test_root = data_root + '/test'
test_sets = ['Test100', 'Rain100H', 'Rain100L', 'Test2800', 'Test1200']
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
    dataset=dict(type='PairedRainDataset', data_root=train_root, layout='input_target', name='Rain13K',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='MixedRainDataset', datasets=[
        dict(type='PairedRainDataset', data_root=f'{test_root}/{name}', layout='input_target', name=name,
             pipeline=test_pipeline) for name in test_sets
    ]))
test_dataloader = val_dataloader
test_dataloaders_by_set = {
    name: dict(batch_size=1, num_workers=1, sampler=dict(type='DefaultSampler', shuffle=False),
               collate_fn=dict(type='pseudo_collate'),
               dataset=dict(type='PairedRainDataset', data_root=f'{test_root}/{name}', layout='input_target',
                            name=name, pipeline=test_pipeline))
    for name in test_sets
}
val_evaluator = [dict(type='PSNRMetric'), dict(type='SSIMMetric')]
test_evaluator = val_evaluator
