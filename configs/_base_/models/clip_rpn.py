# CLIP-RPN (CLIP-driven rain perception), Sec. 3 and Fig. 1: a 4-level Restormer U-Net
# (MDTA + GDFN blocks, dim 48, blocks (4, 6, 6, 8), heads (1, 2, 4, 8), 4 refinement
# blocks) whose decoder runs, before each upsampling step (3 levels), the MGCA
# sub-network of the route CLIP picks for the image (Eq. 2, ViT-B/32, prompt set 3 of
# Table 5: 2 routes), guided by a rain mask predicted from the image at that level
# (Eq. 3). Loss (Eq. 15): DLS (β=0.8, η=2.3, Eq. 14) + 0.1 · Σ_levels BCE(mask).
#
# CLIP weights: pretrained='openai' is downloaded by open_clip where a network exists;
# offline, give a local file with
#   --cfg-options model.backbone.router.pretrained=/path/to/ViT-B-32.pt
# Route cache (optional): route_cache='routes.json' written by
#   python tools/clip_perception.py ... --save-routes routes.json
# routes each training sample by its full image (CLIP does not run during training).
_base_ = ['./restormer.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='CLIPRPN',
        backbone={{_base_.model.backbone}},
        router=dict(type='CLIPRouter', model_name='ViT-B-32', pretrained='openai', prompts='set3'),
        mgca=dict(type='MGCA', reduction=4, spatial_kernel=7, residual=True),
        mask_hidden_channels=16,
        route_cache=None),
    losses=[
        dict(type='DLSLoss', beta=0.8, eta=2.3, schedule='linear', loss_weight=1.0),
        dict(type='RainMaskBCELoss', threshold=0.1, target_resize='area', loss_weight=0.1),
    ])
# Samples of a batch use only their route's branches: multi-GPU training must let DDP
# skip the parameters of the other routes.
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
# Not the official Restormer network (routes, MGCA, mask heads): no official release maps onto it.
checkpoint_converter = None
