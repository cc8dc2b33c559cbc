"""DA-CLIP controller, model and contrastive loss (DA-CLIP paper Sec. III, Eqs. 3-4) on a tiny CLIP."""
import math

from torchvision.transforms import v2

import pytest
import torch

from derain_toolkit.models.daclip.contrastive_loss import (
    DAClipContrastiveLoss,
    contrastive_loss,
)
from derain_toolkit.models.daclip.daclip_model import DACLIP

# Two layers (the toolkit's model_cfg='tiny' has one): the controller's per-layer zero modules are checked.
TINY_CLIP = dict(embed_dim=16,
                 vision_cfg=dict(image_size=32, layers=2, width=32, patch_size=8, head_width=16),
                 text_cfg=dict(context_length=16, vocab_size=49408, width=16, heads=2, layers=1))


@pytest.fixture(scope='module')
def daclip() -> DACLIP:
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match='randomly initialised'):
        return DACLIP('tiny', pretrained=None, allow_random_init=True, model_cfg=TINY_CLIP, warn_untrained=False)


def test_zero_initialised_controller_leaves_frozen_clip_unchanged(daclip):
    pixels = daclip.preprocess(torch.rand(3, 3, 40, 48))
    content, degradation = daclip.encode_image(pixels, control=True)
    plain = daclip.encode_image(pixels)
    assert content.shape == degradation.shape == (3, 16)
    torch.testing.assert_close(content, plain, rtol=1e-5, atol=1e-5)
    # the controller starts as a copy, so its own output is CLIP's too
    torch.testing.assert_close(degradation, plain, rtol=1e-5, atol=1e-5)


def test_controls_change_content_once_connections_are_nonzero(daclip):
    pixels = torch.randn(2, 3, 32, 32)
    state = {k: v.clone() for k, v in daclip.visual_control.state_dict().items()}
    with torch.no_grad():
        daclip.visual_control.transformer.zero_modules[0].weight.normal_(std=0.1)
    content, _ = daclip.encode_image(pixels, control=True)
    changed = (content - daclip.encode_image(pixels)).abs().max()
    daclip.visual_control.load_state_dict(state)
    assert changed > 1e-3


def test_gradients_reach_controller_only(daclip):
    daclip.zero_grad()
    text = torch.cat([daclip.tokenize(['a cat on grass', 'a red car', 'a house']),
                      daclip.tokenize(['rainy', 'hazy', 'noisy'])], dim=-1)
    out = daclip(daclip.preprocess(torch.rand(3, 3, 32, 32)), text)
    DAClipContrastiveLoss()(**out)['loss'].backward()
    assert daclip.visual_control.transformer.zero_modules[1].weight.grad.abs().sum() > 0
    assert daclip.visual_control.conv1.weight.grad.abs().sum() > 0
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
    """A controller-only file (official keys visual_control.*, logit_scale) over the same CLIP."""
    with torch.no_grad():
        daclip.visual_control.transformer.zero_modules[0].bias.fill_(0.05)
    path = tmp_path / 'controller.pth'
    state = daclip.controller_state_dict()
    assert all(k.startswith('visual_control.') for k in state if k != 'logit_scale')
    torch.save(state, path)
    pixels = torch.randn(2, 3, 32, 32)
    expected = daclip.encode_image(pixels, control=True)
    torch.manual_seed(0)
    with pytest.warns(UserWarning):
        loaded = DACLIP('tiny', pretrained=None, allow_random_init=True, model_cfg=TINY_CLIP,
                        controller_checkpoint=str(path))
    with torch.no_grad():
        daclip.visual_control.transformer.zero_modules[0].bias.zero_()
    for got, want in zip(loaded.encode_image(pixels, control=True), expected):
        torch.testing.assert_close(got, want)


def test_preprocess_is_the_official_resize_and_centre_crop(daclip):
    """Shorter side to 32 (bicubic, antialiased), centre crop, CLIP mean/std: as torchvision does it."""
    official = v2.Compose([v2.Resize(32, interpolation=v2.InterpolationMode.BICUBIC, antialias=True),
                           v2.CenterCrop(32)])
    normalise = v2.Normalize(daclip.image_mean.flatten().tolist(), daclip.image_std.flatten().tolist())
    for shape in ((2, 3, 40, 64), (2, 3, 64, 40)):
        images = torch.rand(shape)
        torch.testing.assert_close(daclip.preprocess(images), normalise(official(images).clamp(0, 1)))


def test_random_init_needs_explicit_permission():
    with pytest.raises(ValueError, match='allow_random_init'):
        DACLIP('tiny', pretrained=None, model_cfg=TINY_CLIP)
