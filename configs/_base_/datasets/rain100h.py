# Rain100H (Yang et al., JORDER; CLIP-RPN Sec. 4.1): 1800 training and 100 test pairs, heavy rain.
# Expected layout: that of rain100l.py (the JORDER release, flat folders, paired by the number N):
#   data/Rain100H/train/rain-1.png ... rain-1800.png, norain-1.png ... norain-1800.png
#   data/Rain100H/test/rain-001.png ... rain-100.png, norain-001.png ... norain-100.png
# (Restormer's processed copy, data/Rain100H/test/{input,target}/, is detected too.)
_base_ = ['./rain100l.py']

train_dataloader = dict(dataset=dict(data_root='data/Rain100H/train', name='Rain100H'))
val_dataloader = dict(dataset=dict(data_root='data/Rain100H/test', name='Rain100H'))
test_dataloader = val_dataloader
