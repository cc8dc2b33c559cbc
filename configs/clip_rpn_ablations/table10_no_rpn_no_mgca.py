# Table 10, row 4: w/o RPN, w/o MGCA: empty branches and one route, i.e. the Restormer
# U-Net baseline trained with DLS.
_base_ = ['../clip_rpn_mixed.py']
model = dict(
    backbone=dict(router=dict(_delete_=True, type='NoRouter'), mgca=None),
    losses=[dict(type='DLSLoss', beta=0.8, eta=2.3, schedule='linear', loss_weight=1.0)])
