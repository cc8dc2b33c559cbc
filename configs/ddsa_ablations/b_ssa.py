# DDSA paper Table 3 row (b): top-k sparse self-attention only (SSA), MSFN + SA feed-forward.
_base_ = ['../ddsa_rain13k.py']
model = dict(backbone=dict(attn=dict(dense=False, sparse=True)))
