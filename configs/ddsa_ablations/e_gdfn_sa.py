# DDSA paper Table 3 row (e): DDSA with GDFN + SA: Restormer's gated-Dconv body in place of
# the Res2Net multi-scale one, CBAM's spatial attention kept (see SEFN's `mixer`).
# GDFN is taken at Restormer's width (two gated streams of 2.66 C), so this row has 25.90 M
# parameters against row (c)'s 20.92 M (+24%): (e) vs (c) compares the two bodies at equal
# hidden width, not at equal parameters. A parameter-matched GDFN + SA (20.92 M) is
# --cfg-options model.backbone.ffn.expansion_factor=1.76 (not a paper row).
_base_ = ['../ddsa_rain13k.py']
model = dict(backbone=dict(ffn=dict(mixer='gated_dconv', spatial_attention=True)))
