# NeRD-Rain-S (model_S.py: NeRD-Rain at dim 32, 10,530,314 parameters) on Rain200L, NeRD-Rain's recipe.
_base_ = ['./nerdrain_rain200l.py']
model = dict(backbone=dict(dim=32))
