# DID-Data (Zhang & Patel, DID-MDN; FADformer / NeRD-Rain Table 1): 12,000 training and 1,200 test
# pairs. Layout 'source_target_list' (FADformer datasets/DID_Dataloader.py): a list of file names,
# the rainy image in Source/, the clean one of the same name in Target/; the test list is also
# called train.txt in the release (sic):
#   data/DID-Data/train/train.txt + Source/<name> + Target/<name>
#   data/DID-Data/test/train.txt  + Source/<name> + Target/<name>
# Scored as statistic.m: double-precision Y, ssim.m with its automatic downsampling.
_base_ = ['./paired_dataloaders.py']

train_dataloader = dict(dataset=dict(type='PairedRainDataset', data_root='data/DID-Data/train',
                                     layout='source_target_list', list_file='train.txt', name='DID-Data',
                                     published_pairs=12000, pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(type='PairedRainDataset', data_root='data/DID-Data/test',
                                   layout='source_target_list', list_file='train.txt', name='DID-Data',
                                   published_pairs=1200, pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PSNRMetric', protocol='matlab_double_y_ssim_downsample'),
                 dict(type='SSIMMetric', protocol='matlab_double_y_ssim_downsample')]
test_evaluator = val_evaluator
