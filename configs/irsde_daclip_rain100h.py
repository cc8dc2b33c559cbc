# Table I/II row "IR-SDE with DA-CLIP": the IR-SDE U-Net guided by DA-CLIP (Sec. V-B). The
# U-Net is the official universal-restoration network (daclip-uir, config/daclip-sde,
# ConditionalUNet(nf=64, ch_mult=[1, 2, 4, 8], context_dim=512, use_degra_context=True,
# use_image_context=True)), 48,975,747 parameters: linear attention at levels 0-2, and at level
# 3 and the middle a transformer block (self-attention, cross-attention to the content
# embedding, gated feed-forward; the paper text mentions the cross-attention only); the
# degradation embedding weights a learned prompt added to the time embedding. Official
# checkpoints (universal-ir.pth) load through the 'daclip_unet' converter.
# λ = 50/255 and the optimiser/schedule follow the official DA-CLIP
# option (daclip-sde/train.yml): AdamW lr 2e-4, betas (0.9, 0.99), cosine to 1e-6 over
# 700k iterations (the official batch is 16 crops of 256; here the Rain100H dataset crop).
# DA-CLIP = the official one (Algolzw/daclip-uir): give the released daclip_ViT-B-32.pt (CLIP
# ViT-B-32 'laion2b_s34b_b79k' + controller, one file) as
#   --cfg-options model.generator.daclip.controller_checkpoint=/path/to/daclip_ViT-B-32.pt
# or a controller trained with tools/train_daclip.py (then CLIP comes from `pretrained`).
# Test time as the official daclip-sde/options/test.yml: posterior sampling, T = 100.
_base_ = ['./irsde_rain100h.py']

model = dict(
    backbone=dict(ch_mult=(1, 2, 4, 8), embed_dim=512, content_cross_attention=True, degradation_prompt=True),
    generator=dict(
        stationary_std=50 / 255,
        daclip=dict(type='DACLIP', clip_model='ViT-B-32', pretrained='laion2b_s34b_b79k',
                    controller_checkpoint=None)))
checkpoint_converter = 'daclip_unet'

optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=2e-4, betas=(0.9, 0.99)))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=700000, eta_min=1e-6, by_epoch=False, begin=0, end=700000),
]
