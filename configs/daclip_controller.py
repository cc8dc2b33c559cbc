# DA-CLIP controller training (Luo et al., "Controlling Vision-Language Models for Multi-Task Image
# Restoration", ICLR 2024, Sec. III, Eq. 4) on the Runner; tools/train_daclip.py fills in the dataset,
# the captions and the CLIP. Recipe of the official command (Algolzw/daclip-uir README, da-clip/src
# training.main): ViT-B-32 from laion2b_s34b_b79k, global batch 784, AdamW lr 2e-5, weight decay 0.05,
# betas (0.9, 0.98) and eps 1e-6 (open_clip's ViT defaults), 100 warm-up steps, cosine decay, 30 epochs:
# max_iters counts optimizer steps (30 x images / 784; the tool computes it from the dataset size).
_base_ = ['./_base_/default_runtime.py']

model = dict(
    type='DACLIPControllerTrainer',
    daclip=dict(clip_model='ViT-B-32', pretrained='laion2b_s34b_b79k', warn_untrained=False))

global_batch_size = 784  # per optimizer step; fewer GPUs accumulate (engine/recipe_batch.py)
train_dataloader = dict(
    batch_size=16, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True), collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='CaptionedRainDataset', captions=None, degradation='rainy',
                 dataset=dict(type='SyntheticRainDataset', num_samples=784, image_size=224)))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-5, weight_decay=0.05, betas=(0.9, 0.98), eps=1e-6))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', T_max=1, eta_min=0.0, by_epoch=False, begin=100, end=101),
]
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=30)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
default_hooks = dict(checkpoint=dict(interval=100, save_best=None, max_keep_ckpts=2))
custom_hooks = [dict(type='NaNGuardHook', action='stop')]
