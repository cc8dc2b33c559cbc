# Tiny CLIP-RPN for CPU smoke runs and tests: the clip_rpn.py model with dim 8, one
# block per level and the toolkit's tiny randomly initialised CLIP built offline by open_clip
# (model_cfg='tiny': open_clip_loader.TINY_CLIP; its routes are arbitrary but fixed; never use
# it for real training).
# Merge it over any CLIP-RPN config (the ablation tests do) or use it as a base.
_base_ = ['clip_rpn.py']
model = dict(
    backbone=dict(
        backbone=dict(dim=8, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1, heads=(1, 1, 2, 2)),
        router=dict(pretrained=None, allow_random_init=True, model_cfg='tiny'),
        mask_hidden_channels=8))
