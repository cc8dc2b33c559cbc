# NeRD-Rain-S (model_S.py: NeRD-Rain at dim 32, 10,530,314 parameters) on Rain200H, NeRD-Rain's recipe.
_base_ = ['./nerdrain_rain200h.py']
model = dict(backbone=dict(dim=32))
