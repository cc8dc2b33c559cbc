# DDSA paper Table 3 row (e): DDSA with GDFN + SA: Restormer's gated-Dconv body in place of
# the Res2Net multi-scale one, CBAM's spatial attention kept (see SEFN's `mixer`).
_base_ = ['../ddsa_rain13k.py']
model = dict(backbone=dict(ffn=dict(mixer='gated_dconv', spatial_attention=True)))
