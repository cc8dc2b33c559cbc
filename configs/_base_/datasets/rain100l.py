# Rain100L (Yang et al., JORDER; CLIP-RPN Sec. 4.1): 200 training and 100 test pairs, light rain.
# Expected layout (the JORDER release, flat folders, paired by the number N):
#   data/Rain100L/train/rain-1.png ... rain-200.png, norain-1.png ... norain-200.png
#   data/Rain100L/test/rain-001.png ... rain-100.png, norain-001.png ... norain-100.png
# (Restormer's processed copy, data/Rain100L/test/{input,target}/, is detected too.)
_base_ = ['./paired_dataloaders.py']

train_dataloader = dict(dataset=dict(type='PairedRainDataset', data_root='data/Rain100L/train', layout='auto',
                                     name='Rain100L', pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(type='PairedRainDataset', data_root='data/Rain100L/test', layout='auto',
                                   name='Rain100L', pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
