# Table 6, prompt 3 of Table 5 (the default: same as clip_rpn_mixed.py).
_base_ = ['../clip_rpn_mixed.py']
model = dict(backbone=dict(router=dict(prompts='set3')))
