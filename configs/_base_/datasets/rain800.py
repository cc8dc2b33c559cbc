# Rain800 (Zhang et al., ID-CGAN; CLIP-RPN Sec. 4.1): 700 training and 100 test pairs.
# Expected layout (the ID-CGAN release: each JPEG holds the clean and the rainy half side by side):
#   data/Rain800/training/1.jpg ... 700.jpg
#   data/Rain800/test_syn/1.jpg ... 100.jpg
# Which half is rainy differs between copies and loaders: look at one image and set
# rain800_rain_side ('left' or 'right'). A copy split into rain/ + norain/ folders
# (or rainy/ + gt/) per split is detected as layout 'rain800_folders'.
_base_ = ['./paired_dataloaders.py']

train_dataloader = dict(dataset=dict(type='PairedRainDataset', data_root='data/Rain800/training', layout='auto',
                                     name='Rain800', rain800_rain_side='right',
                                     pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(type='PairedRainDataset', data_root='data/Rain800/test_syn', layout='auto',
                                   name='Rain800', rain800_rain_side='right', pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
