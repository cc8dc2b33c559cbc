# Table 10, row 2: w/o RPN, with MGCA: one MGCA sub-network per level, no CLIP.
_base_ = ['../clip_rpn_mixed.py']
model = dict(backbone=dict(router=dict(_delete_=True, type='NoRouter')))
