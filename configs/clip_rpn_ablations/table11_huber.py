# Table 11, Huber row (the mask BCE of Eq. 15 is kept). The paper gives no δ; with
# PyTorch's δ = 1 and errors in [0, 1] Huber would be ½ℓ2 everywhere, so δ = 0.1 is used.
_base_ = ['../clip_rpn_mixed.py']
model = dict(losses=[dict(type='HuberLoss', delta=0.1, loss_weight=1.0), dict(type='RainMaskBCELoss', threshold=0.1, target_resize='area', loss_weight=0.1)])
