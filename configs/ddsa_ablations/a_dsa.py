# DDSA paper Table 3 row (a): dense self-attention only (DSA), MSFN + SA feed-forward.
_base_ = ['../ddsa_rain13k.py']
model = dict(backbone=dict(attn=dict(dense=True, sparse=False)))
