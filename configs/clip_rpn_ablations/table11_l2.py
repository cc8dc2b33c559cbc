# Table 11, ℓ2 row: mean squared error instead of DLS (the mask BCE of Eq. 15 is kept).
_base_ = ['../clip_rpn_mixed.py']
model = dict(losses=[dict(type='L2Loss', loss_weight=1.0), dict(type='RainMaskBCELoss', threshold=0.1, target_resize='area', loss_weight=0.1)])
