# The tiny NeRD-Rain-S on synthetic rain: nerdrain_tiny_synthetic.py at a smaller width (as model_S.py is model.py
# at dim 32 instead of 48).
_base_ = ['./nerdrain_tiny_synthetic.py']
model = dict(backbone=dict(dim=4))
