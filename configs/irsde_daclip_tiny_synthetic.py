# IR-SDE with DA-CLIP guidance on CPU: the tiny IR-SDE config plus the toolkit's tiny, randomly
# initialised open_clip ViT (model_cfg='tiny', built offline; allow_random_init=True) with
# its zero-initialised controller, the official bottom transformer block (self-attention,
# content cross-attention, gated feed-forward; zero-initialised output) and the degradation
# prompt. The U-Net has 3 levels, so the transformer sits at its deepest level (2, official:
# level 3 of 4) and the middle, with heads of 8 channels and GroupNorm(8) (official 32 and 32,
# which a 32-channel bottom cannot hold with more than one head).
# This checks the wiring end to end; real guidance needs CLIP weights and a trained
# controller (see irsde_daclip_rain100h.py). The SDE keeps the tiny IR-SDE settings
# (lambda = 10/255, not DA-CLIP's 50/255): with random guidance the network is the tiny
# IR-SDE one, and those settings are the ones measured to train in minutes.
_base_ = ['./irsde_tiny_synthetic.py']

model = dict(
    backbone=dict(embed_dim=16, content_cross_attention=True, degradation_prompt=True, transformer_from_level=2,
                  transformer_head_channels=8, transformer_groups=8),
    generator=dict(
        daclip=dict(type='DACLIP', clip_model='tiny-vit', pretrained=None, allow_random_init=True,
                    model_cfg='tiny', warn_untrained=False)))
