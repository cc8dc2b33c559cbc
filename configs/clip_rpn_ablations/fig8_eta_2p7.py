# Fig. 8: DLS η = 2.7 with β fixed at 0.8. The swept values are not in the paper's text
# (the figure is an image); 1.9-2.7 in steps of 0.2 brackets the reported optimum 2.3.
_base_ = ['../clip_rpn_mixed.py']
model = dict(losses=[dict(type='DLSLoss', beta=0.8, eta=2.7, schedule='linear', loss_weight=1.0), dict(type='RainMaskBCELoss', threshold=0.1, target_resize='area', loss_weight=0.1)])
