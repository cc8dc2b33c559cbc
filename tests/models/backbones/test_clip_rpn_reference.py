"""CLIPRPN wiring (CLIP-RPN Sec. 3.1-3.3, Fig. 1) through the shared U-Net's neck contract.

For each sample, the prediction must be the shared ``RestormerUNet`` run with the neck of the
sample's route: at level ``l`` (deepest first) the rain mask head ``l`` (Eq. 3, its logits through σ)
reads the input image, padded as the U-Net pads it, at the padded feature's size and that route's MGCA ``l`` (Eqs. 7-13) transforms the
feature with it; the masks come back per level in batch order. Routes are forced by a stub
so that a batch mixes routes.
"""
import warnings

import torch
import torch.nn.functional as F

from derain_toolkit.registry import BACKBONES

TINY_UNET = dict(type='RestormerUNet', dim=4, num_blocks=(1, 1, 1), num_refinement_blocks=1, heads=(1, 2, 2))
THREE_ROUTES = dict(type='CLIPRouter', pretrained=None, allow_random_init=True, prompts='set1', model_cfg=dict(
    embed_dim=8, vision_cfg=dict(image_size=32, layers=1, width=16, head_width=8, patch_size=16),
    text_cfg=dict(context_length=77, vocab_size=49408, width=16, heads=2, layers=1)))


def _network():
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        network = BACKBONES.build(dict(type='CLIPRPN', backbone=TINY_UNET, router=THREE_ROUTES,
                                       mgca=dict(type='MGCA'), mask_hidden_channels=4)).eval()
    with torch.no_grad():  # distinct, non-trivial branches so a wrong route or level shows
        for param in network.branches.parameters():
            param.add_(torch.randn_like(param) * 0.3)
    return network


def _reference_sample(network, image, route):
    masks = []

    padded = F.pad(image, (0, 2, 0, 2), mode='reflect')  # 10 x 6 -> 12 x 8, as the U-Net pads it

    def neck(level, feat):
        mask = torch.sigmoid(network.mask_heads[level](padded, tuple(feat.shape[-2:])))
        masks.append(mask)
        return network.branches[route][level](feat, mask)

    return network.backbone(image, neck=neck), masks


def test_each_sample_runs_its_routes_branches_with_its_masks():
    network = _network()
    routes = torch.tensor([2, 0, 1, 2])
    network.router.forward = lambda x: routes
    torch.manual_seed(1)
    x = torch.rand(4, 3, 10, 6)  # padded to 12 x 8 inside: masks at 3 x 2 and 6 x 4
    with torch.no_grad():
        out = network(x)
        assert out['routes'].tolist() == routes.tolist()
        assert [tuple(m.shape) for m in out['masks']] == [(4, 1, 3, 2), (4, 1, 6, 4)]
        for i, route in enumerate(routes.tolist()):
            pred, masks = _reference_sample(network, x[i:i + 1], route)
            torch.testing.assert_close(out['pred'][i:i + 1], pred, rtol=1e-5, atol=1e-5)
            for level, mask in enumerate(masks):
                torch.testing.assert_close(out['masks'][level][i:i + 1], mask, rtol=1e-5, atol=1e-6)


def test_one_mask_head_per_level_and_one_mgca_per_route_and_level():
    network = _network()
    assert len(network.mask_heads) == 2 and len(network.branches) == 3
    assert [[b.rain_attention.num_heads for b in levels] for levels in network.branches] == [[2, 2]] * 3
    assert [levels[0].spatial.in_channels for levels in network.branches] == [2, 2, 2]
    assert [levels[1].fuse_attention.project_out.in_channels for levels in network.branches] == [8, 8, 8]


def test_without_mgca_a_plain_branch_is_pre_normalised_and_residual():
    torch.manual_seed(0)
    network = BACKBONES.build(dict(type='CLIPRPN', backbone=TINY_UNET, router=dict(type='NoRouter'), mgca=None,
                                   plain_attention=dict(type='MDTA')))
    branch = network.branches[0][0]
    with torch.no_grad():
        branch.norm.weight.uniform_(0.5, 2.0)
        feat = torch.randn(1, 16, 3, 2) * 3 + 1
        mean = feat.mean(dim=1, keepdim=True)
        normed = (feat - mean) / torch.sqrt(feat.var(dim=1, unbiased=False, keepdim=True) + 1e-5)
        normed = normed * branch.norm.weight[None, :, None, None] + branch.norm.bias[None, :, None, None]
        torch.testing.assert_close(branch(feat), feat + branch.attn(normed), rtol=1e-5, atol=1e-5)
