# Table 6, prompt 2 of Table 5 (3 routes).
_base_ = ['../clip_rpn_mixed.py']
model = dict(backbone=dict(router=dict(prompts='set2')))
