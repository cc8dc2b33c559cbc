# Tiny CLIP-RPN for CPU smoke runs and tests: the clip_rpn.py model with dim 8, one
# block per level and a tiny randomly initialised CLIP built offline by open_clip from
# `tiny_clip` (its routes are arbitrary but fixed; never use it for real training).
# Merge it over any CLIP-RPN config (the ablation tests do) or use it as a base.
_base_ = ['clip_rpn.py']
tiny_clip = dict(
    embed_dim=16,
    vision_cfg=dict(image_size=32, layers=1, width=32, head_width=16, patch_size=16),
    text_cfg=dict(context_length=77, vocab_size=49408, width=32, heads=2, layers=1))
model = dict(
    backbone=dict(
        backbone=dict(dim=8, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1, heads=(1, 1, 2, 2)),
        router=dict(pretrained=None, allow_random_init=True, model_cfg=tiny_clip),
        mask_hidden_channels=8))
