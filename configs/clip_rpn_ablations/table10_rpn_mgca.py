# Table 10, row 1: with RPN, with MGCA: the full model (clip_rpn_mixed.py unchanged).
_base_ = ['../clip_rpn_mixed.py']
