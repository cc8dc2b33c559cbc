# Rain200H (Yang et al., JORDER; FADformer / NeRD-Rain Table 1): 1,800 training and 200 test pairs,
# heavy rain. Layouts as rain200l.py (JORDER 'rain_norain_list' or NeRD-Rain's 'input_target'):
#   data/Rain200H/train/rain/X2/LIST.TXT + rain/X2/norain-1x2.png ..., norain/norain-1.png ...
#   data/Rain200H/test/rain/X2/LIST.TXT  (or data/Rain200H/{train,test}/{input,target}/)
_base_ = ['./rain200l.py']

train_dataloader = dict(dataset=dict(data_root='data/Rain200H/train', name='Rain200H'))
val_dataloader = dict(dataset=dict(data_root='data/Rain200H/test', name='Rain200H'))
test_dataloader = val_dataloader
