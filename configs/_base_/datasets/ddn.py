# DDN-Data (Fu et al., DDN; FADformer / NeRD-Rain Table 1): 12,600 training pairs (900 clean images,
# 14 rain renderings each) and 1,400 test pairs (100 x 14). Layout 'input_target_list' (FADformer
# datasets/DDN_Dataloader.py): the split's list of file names beside its folder, the rainy image in
# input/, the clean one of the same name in target/:
#   data/DDN-Data/train.txt + data/DDN-Data/train/input/<name> + train/target/<name>
#   data/DDN-Data/test.txt  + data/DDN-Data/test/input/<name>  + test/target/<name>
# Scored as statistic.m: double-precision Y, ssim.m with its automatic downsampling.
_base_ = ['./did.py']

train_dataloader = dict(dataset=dict(data_root='data/DDN-Data/train', layout='input_target_list',
                                     list_file='../train.txt', name='DDN-Data', published_pairs=12600))
val_dataloader = dict(dataset=dict(data_root='data/DDN-Data/test', layout='input_target_list',
                                   list_file='../test.txt', name='DDN-Data', published_pairs=1400))
test_dataloader = val_dataloader
