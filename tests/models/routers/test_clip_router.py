"""CLIPRouter / NoRouter / prompt sets: routing by argmax of Eq. (2), freezing, weight errors."""
import pytest
import torch

from derain_toolkit.models.routers.clip_router import CLIPRouter, clip_weights_problem
from derain_toolkit.models.routers.no_router import NoRouter
from derain_toolkit.models.routers.prompts import PROMPT_SETS, resolve_prompts



@pytest.fixture(scope='module')
def router():
    torch.manual_seed(0)
    # The warning names the tiny CLIP that is built, not the router's default model_name (ViT-B-32).
    with pytest.warns(UserWarning, match=r"^a custom open_clip CLIP from model_cfg \(embed_dim 16; vision: 1 layer\(s\) "
                      r"of width 32 on 32 px; .*\), not 'ViT-B-32', is randomly initialised"):
        return CLIPRouter(pretrained=None, allow_random_init=True, model_cfg='tiny', prompts='set1')


def test_routes_to_argmax_prompt_with_stub_image_encoder(router, monkeypatch):
    # Text embeddings: unit vectors e0, e1, e2; the stub image encoder returns chosen
    # similarities, so the expected route is the argmax of each row.
    text = torch.zeros(3, 16)
    text[0, 0] = text[1, 1] = text[2, 2] = 1
    saved = router.text_features.clone()
    router.text_features.copy_(text)
    sims = torch.tensor([[0.1, 0.9, 0.0], [0.7, 0.2, 0.1], [0.0, 0.3, 0.95], [0.2, 0.5, 0.4]])
    image_features = torch.cat([sims, torch.zeros(4, 13)], dim=1)
    monkeypatch.setattr(router.clip, 'encode_image', lambda pixels, normalize=False: image_features)
    x = torch.rand(4, 3, 40, 24)
    assert router(x).tolist() == [1, 0, 2, 1]
    expected = (router.clip.logit_scale.exp() * sims).softmax(dim=-1)
    torch.testing.assert_close(router.probabilities(x), expected)
    router.text_features.copy_(saved)


def test_clip_pixels_resize_crop_and_normalise(router):
    pixels = router._clip_pixels(torch.full((2, 3, 40, 64), 0.5))
    assert pixels.shape == (2, 3, 32, 32)
    torch.testing.assert_close(pixels, ((0.5 - router.mean) / router.std).expand_as(pixels))


def test_frozen_and_always_eval(router):
    router.train()
    assert not router.clip.training
    assert not any(p.requires_grad for p in router.parameters())
    assert router.num_branches == 3 and router.text_features.shape == (3, 16)


def test_random_init_needs_explicit_permission():
    with pytest.raises(ValueError, match='allow_random_init'):
        CLIPRouter(pretrained=None, model_cfg='tiny')


def test_missing_weights_fail_at_build_with_how_to(tmp_path):
    missing = str(tmp_path / 'ViT-B-32.pt')
    message = clip_weights_problem('ViT-B-32', missing)
    assert 'model.backbone.router.pretrained=' in message and 'cache' in message
    with pytest.raises(RuntimeError, match='--cfg-options model.backbone.router.pretrained'):
        CLIPRouter(pretrained=missing)


def test_prompt_sets_match_table5():
    assert [len(PROMPT_SETS[name]) for name in ('set1', 'set2', 'set3')] == [3, 3, 2]
    assert PROMPT_SETS['set2'][1] == 'This is an image with moderately dense raindrops'
    assert PROMPT_SETS['set3'][0] == 'This image has almost no rain effect or raindrops or any distoration.'
    assert resolve_prompts(['rain', 'no rain']) == ['rain', 'no rain']
    with pytest.raises(KeyError, match='set3'):
        resolve_prompts('set4')


def test_no_router_sends_everything_to_branch_zero():
    routes = NoRouter()(torch.rand(5, 3, 8, 8))
    assert routes.dtype == torch.long and routes.tolist() == [0] * 5 and NoRouter.num_branches == 1
