# SPA-Data (Wang et al., SPANet; FADformer / NeRD-Rain Table 1): 638,492 training and 1,000 test
# pairs of real rain. Layout 'rain_norain_list' (FADformer datasets/SPA_Dataloader.py): a LIST.TXT of
# file names in rain/, the rainy image in rain/, the clean one of the same name in norain/:
#   data/SPA-Data/train/rain/LIST.TXT + rain/<name> + norain/<name>
#   data/SPA-Data/test/rain/LIST.TXT  + rain/<name> + norain/<name>
# Scored as NeRD-Rain / DRSformer's evaluate_PSNR_SSIM.m: uint8 Y, MATLAB SSIM.
_base_ = ['./rain200l.py']

train_dataloader = dict(dataset=dict(data_root='data/SPA-Data/train', layout='rain_norain_list',
                                     name='SPA-Data', published_pairs=638492))
val_dataloader = dict(dataset=dict(data_root='data/SPA-Data/test', layout='rain_norain_list',
                                   name='SPA-Data', published_pairs=1000))
test_dataloader = val_dataloader
