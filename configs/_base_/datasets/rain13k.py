# Rain13K (Restormer's deraining setup): train on Rain13K, test on Test100, Rain100H,
# Rain100L, Test2800 and Test1200. The test loader holds the five sets together; the
# metrics report the mean over all images and per set (PSNR_Test100, ...), so one run
# gives the per-set columns of Restormer's table. For one row per set plus their average
# (Restormer / DDSA Table 1), a model config sets
#   test_cfg = dict(_delete_=True, type='MultiDatasetTestLoop')
# which tests the members of this mixture one by one (as configs/ddsa_rain13k.py does).
# Expected layout (Restormer's download_data.py):
#   data/Rain13K/Datasets/train/Rain13K/{input,target}/
#   data/Rain13K/Datasets/test/{Test100,Rain100H,Rain100L,Test2800,Test1200}/{input,target}/
_base_ = ['./paired_dataloaders.py']

test_sets = ['Test100', 'Rain100H', 'Rain100L', 'Test2800', 'Test1200']

train_dataloader = dict(dataset=dict(type='PairedRainDataset', data_root='data/Rain13K/Datasets/train/Rain13K',
                                     layout='input_target', name='Rain13K', pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(type='MixedRainDataset', datasets=[
    dict(type='PairedRainDataset', data_root=f'data/Rain13K/Datasets/test/{name}', layout='input_target',
         name=name, pipeline={{_base_.test_pipeline}}) for name in test_sets
]))
test_dataloader = val_dataloader
