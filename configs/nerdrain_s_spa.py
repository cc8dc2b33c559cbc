# NeRD-Rain-S (model_S.py: NeRD-Rain at dim 32, 10,530,314 parameters) on SPA-Data, NeRD-Rain's recipe.
_base_ = ['./nerdrain_spa.py']
model = dict(backbone=dict(dim=32))
