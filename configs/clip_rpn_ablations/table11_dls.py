# Table 11, DLS row (ours): β = 0.8, η = 2.3, the full model (clip_rpn_mixed.py unchanged).
_base_ = ['../clip_rpn_mixed.py']
