"""DA-CLIP controller, model and contrastive loss (DA-CLIP paper Sec. III, Eqs. 3-4) on a tiny CLIP."""
import math

import pytest
import torch

from derain_toolkit.models.daclip.contrastive_loss import (
    DAClipContrastiveLoss,
    contrastive_loss,
)
from derain_toolkit.models.daclip.daclip_model import DACLIP

TINY_CLIP = dict(embed_dim=16,
                 vision_cfg=dict(image_size=32, layers=2, width=32, patch_size=8, head_width=16),
                 text_cfg=dict(context_length=16, vocab_size=49408, width=16, heads=2, layers=1))


@pytest.fixture(scope='module')
def daclip() -> DACLIP:
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match='randomly initialised'):
        return DACLIP('tiny', pretrained=None, allow_random_init=True, model_cfg=TINY_CLIP, warn_untrained=False)


def test_zero_initialised_controller_leaves_frozen_clip_unchanged(daclip):
    images = torch.rand(3, 3, 40, 48)
    content, degradation = daclip.encode_image(images)
    plain = daclip.clip.encode_image(daclip.preprocess(images))
    assert content.shape == degradation.shape == (3, 16)
    torch.testing.assert_close(content, plain, rtol=1e-5, atol=1e-5)
    # the controller starts as a copy, so its own output is CLIP's too
    torch.testing.assert_close(degradation, plain, rtol=1e-5, atol=1e-5)


def test_controls_change_content_once_connections_are_nonzero(daclip):
    images = torch.rand(2, 3, 32, 32)
    state = {k: v.clone() for k, v in daclip.controller.state_dict().items()}
    with torch.no_grad():
        daclip.controller.zero_linears[0].weight.normal_(std=0.1)
    content, _ = daclip.encode_image(images)
    changed = (content - daclip.clip.encode_image(daclip.preprocess(images))).abs().max()
    daclip.controller.load_state_dict(state)
    assert changed > 1e-3


def test_gradients_reach_controller_only(daclip):
    daclip.zero_grad()
    out = daclip(torch.rand(3, 3, 32, 32), ['a cat on grass', 'a red car', 'a house'], ['rainy', 'hazy', 'noisy'])
    DAClipContrastiveLoss()(**out)['loss'].backward()
    assert daclip.controller.zero_linears[1].weight.grad.abs().sum() > 0
    assert daclip.controller.encoder.conv1.weight.grad.abs().sum() > 0
    assert daclip.logit_scale.grad is not None
    assert all(p.grad is None for p in daclip.clip.parameters())
    daclip.zero_grad()


def test_contrastive_loss_matches_hand_computation():
    torch.manual_seed(0)
    x = torch.nn.functional.normalize(torch.randn(4, 5), dim=-1)
    y = torch.nn.functional.normalize(torch.randn(4, 5), dim=-1)
    scale = torch.tensor(7.0)

    def one_way(a, b):
        total = 0.0
        for i in range(4):
            logits = [scale.item() * float(a[i] @ b[j]) for j in range(4)]
            total -= logits[i] - math.log(sum(math.exp(v) for v in logits))
        return total / 4

    assert contrastive_loss(x, y, scale, symmetric=False).item() == pytest.approx(one_way(x, y), rel=1e-5)
    assert contrastive_loss(x, y, scale).item() == pytest.approx((one_way(x, y) + one_way(y, x)) / 2, rel=1e-5)
    joint = DAClipContrastiveLoss(symmetric=False)(x, y, y, x, scale)
    assert joint['loss'].item() == pytest.approx(one_way(x, y) + one_way(y, x), rel=1e-5)


def test_controller_checkpoint_round_trip(daclip, tmp_path):
    with torch.no_grad():
        daclip.controller.zero_linears[0].bias.fill_(0.05)
    path = tmp_path / 'controller.pth'
    torch.save(daclip.controller_state_dict(), path)
    images = torch.rand(2, 3, 32, 32)
    expected = daclip.encode_image(images)
    torch.manual_seed(0)
    with pytest.warns(UserWarning):
        loaded = DACLIP('tiny', pretrained=None, allow_random_init=True, model_cfg=TINY_CLIP,
                        controller_checkpoint=str(path))
    with torch.no_grad():
        daclip.controller.zero_linears[0].bias.zero_()
    for got, want in zip(loaded.encode_image(images), expected):
        torch.testing.assert_close(got, want)


def test_random_init_needs_explicit_permission():
    with pytest.raises(ValueError, match='allow_random_init'):
        DACLIP('tiny', pretrained=None, model_cfg=TINY_CLIP)
