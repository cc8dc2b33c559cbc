# DDSA paper Table 3 row (d): DDSA with MSFN, i.e. SEFN without its spatial attention.
_base_ = ['../ddsa_rain13k.py']
model = dict(backbone=dict(ffn=dict(spatial_attention=False)))
