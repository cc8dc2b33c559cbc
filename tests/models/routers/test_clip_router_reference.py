"""CLIPRouter against CLIP-RPN Eqs. (1)-(2) computed with CLIP's own preprocessing and tokenizer.

Reference: torchvision's ``Resize(shortest side, bicubic, antialias) -> CenterCrop -> Normalize``
(CLIP's preprocessing on tensors; values clamped to [0, 1] after the resize, as saving to 8 bits
does), ``open_clip.tokenize`` for the prompts, then Eq. (2) written out: the softmax over
prompts of ``exp(logit_scale) * cos(I₁, T_i)`` and the argmax route. The tiny CLIP is random
(no weights can be downloaded here), which is enough to pin the arithmetic.
"""
import math
import warnings

import open_clip
import pytest
import torch
import torchvision.transforms.v2 as T

from derain_toolkit.registry import ROUTERS

PROMPTS = ['heavy rain', 'light rain', 'no rain at all']


@pytest.fixture(scope='module')
def router():
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return ROUTERS.build(dict(type='CLIPRouter', pretrained=None, allow_random_init=True,
                                  model_cfg='tiny', prompts=PROMPTS))


def _reference_probabilities(router, images):
    clip = router.clip
    mean, std = router.mean.flatten().tolist(), router.std.flatten().tolist()
    resize = T.Compose([T.Resize(32, interpolation=T.InterpolationMode.BICUBIC, antialias=True), T.CenterCrop(32)])
    pixels = T.Normalize(mean, std)(resize(images).clamp(0, 1))
    with torch.no_grad():
        text = clip.encode_text(open_clip.tokenize(PROMPTS))
        image = clip.encode_image(pixels)
    scale = math.exp(clip.logit_scale.item())
    probabilities = []
    for row in image:
        logits = [scale * torch.dot(row, t).item() / (row.norm().item() * t.norm().item()) for t in text]
        exps = [math.exp(v - max(logits)) for v in logits]
        probabilities.append([e / sum(exps) for e in exps])
    return torch.tensor(probabilities)


@pytest.mark.parametrize('size', [(40, 24), (32, 56), (33, 49)])  # 33x49: torchvision truncates 47.5
def test_probabilities_and_routes_follow_eq2(router, size):
    torch.manual_seed(1)
    images = torch.rand(3, 3, *size)
    expected = _reference_probabilities(router, images)
    torch.testing.assert_close(router.probabilities(images), expected, rtol=1e-4, atol=1e-5)
    assert router(images).tolist() == expected.argmax(dim=1).tolist()
    assert router.num_branches == 3
