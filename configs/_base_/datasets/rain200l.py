# Rain200L (Yang et al., JORDER; FADformer / NeRD-Rain Table 1): 1,800 training and 200 test pairs,
# light rain. Not Rain100L (PReNet issue #21: JORDER's "Rain100" folders hold the 200-pair sets).
# Two published layouts, detected by layout='auto':
#   JORDER release (FADformer datasets/Rain_Dataloader.py), layout 'rain_norain_list':
#     data/Rain200L/train/rain/LIST.TXT + rain/norain-1x2.png ...  (training list without X2/)
#     data/Rain200L/test/rain/X2/LIST.TXT + rain/X2/norain-1x2.png ...
#     clean: <split>/norain/norain-1.png (the rainy name with 'x2' removed)
#   NeRD-Rain's copy (dataset_RGB.py), layout 'input_target':
#     data/Rain200L/{train,test}/input/1.png ... + target/1.png ...
# Scored as NeRD-Rain / DRSformer's evaluate_PSNR_SSIM.m: uint8 Y, MATLAB SSIM.
_base_ = ['./paired_dataloaders.py']

train_dataloader = dict(dataset=dict(type='PairedRainDataset', data_root='data/Rain200L/train', layout='auto',
                                     name='Rain200L', published_pairs=1800, pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(type='PairedRainDataset', data_root='data/Rain200L/test', layout='auto',
                                   name='Rain200L', published_pairs=200, pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = [dict(type='PSNRMetric', protocol='matlab_uint8_y'), dict(type='SSIMMetric', protocol='matlab_uint8_y')]
test_evaluator = val_evaluator
