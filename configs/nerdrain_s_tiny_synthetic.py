# The tiny NeRD-Rain-S on synthetic rain: nerdrain_tiny_synthetic.py at a smaller width (as model_S.py is model.py
# at dim 32 instead of 48: two thirds). +0.62 / +0.45 dB over the rainy input at seeds 0 / 1 at its base's 300
# iterations, ~95 s on one AVX2 core (400 iterations: +0.84 / +0.90; at dim 4 it stayed below the input).
_base_ = ['./nerdrain_tiny_synthetic.py']
model = dict(backbone=dict(dim=6))
