# Fig. 7: DLS β = 0.6 with η fixed at 2.3. The swept values are not in the paper's text
# (the figure is an image); 0.6-1.0 in steps of 0.1 brackets the reported optimum 0.8.
_base_ = ['../clip_rpn_mixed.py']
model = dict(losses=[dict(type='DLSLoss', beta=0.6, eta=2.3, schedule='linear', loss_weight=1.0), dict(type='RainMaskBCELoss', threshold=0.1, target_resize='area', loss_weight=0.1)])
