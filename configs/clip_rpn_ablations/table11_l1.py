# Table 11, ℓ1 row: ℓ1 instead of DLS (the mask BCE of Eq. 15 is kept).
_base_ = ['../clip_rpn_mixed.py']
model = dict(losses=[dict(type='L1Loss', loss_weight=1.0), dict(type='RainMaskBCELoss', threshold=0.1, target_resize='area', loss_weight=0.1)])
