# Table 10, row 3: with RPN, w/o MGCA. The paper does not say what a route's branch holds
# without MGCA; here it is a residual MDTA self-attention per route and level (the routes
# keep their own parameters, so routing still matters). No masks, so no mask BCE.
_base_ = ['../clip_rpn_mixed.py']
model = dict(
    backbone=dict(mgca=None, plain_attention=dict(type='MDTA')),
    losses=[dict(type='DLSLoss', beta=0.8, eta=2.3, schedule='linear', loss_weight=1.0)])
