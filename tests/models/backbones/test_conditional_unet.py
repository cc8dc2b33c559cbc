"""ConditionalUNet: the IR-SDE noise predictor with DA-CLIP guidance (DA-CLIP paper Sec. V-B).

Equality with the official networks is tested on the official fixtures in
``tests/checkpoints/test_irsde_daclip_unet_import.py``; these tests cover the toolkit's own
behaviour around it.
"""
import pytest
import torch

from derain_toolkit.models.backbones.conditional_unet import ConditionalUNet
from derain_toolkit.models.layers.channel_layer_norm import ChannelLayerNorm

GUIDED = dict(content_cross_attention=True, degradation_prompt=True, transformer_from_level=1,
              transformer_head_channels=8, transformer_groups=8)


def _net(**options) -> ConditionalUNet:
    torch.manual_seed(0)
    return ConditionalUNet(nf=8, ch_mult=(1, 2, 2), heads=2, dim_head=4, embed_dim=6, **options)


@pytest.mark.parametrize('attention', ['none', 'linear'])
def test_padding_is_invisible_to_the_image(attention):
    """An image of any size gives the same output as when it is padded by hand to a multiple of 2**depth."""
    net = _net(attention=attention).eval()
    x, mu = torch.rand(2, 3, 13, 18), torch.rand(2, 3, 13, 18)
    t = torch.tensor([1, 70])
    padded = [torch.nn.functional.pad(v, (0, 6, 0, 3), mode='reflect') for v in (x, mu)]  # to 16 x 24
    with torch.no_grad():
        torch.testing.assert_close(net(x, mu, t), net(*padded, t)[..., :13, :18])


def test_time_step_as_number_or_tensor():
    net = _net(attention='linear').eval()
    x = torch.rand(2, 3, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(net(x, x, 5), net(x, x, torch.tensor([5, 5])))
        torch.testing.assert_close(net(x, x, 5.0), net(x, x, torch.tensor(5)))
        assert not torch.allclose(net(x, x, torch.tensor([2, 2])), net(x, x, torch.tensor([90, 90])))


def test_transformer_starts_as_identity_then_reads_the_content():
    net = _net(attention='linear', **GUIDED).eval()
    x = torch.rand(2, 3, 16, 16)
    t = torch.tensor([10, 20])
    degradation = torch.randn(2, 6)
    with torch.no_grad():
        a = net(x, x, t, content=torch.randn(2, 6), degradation=degradation)
        b = net(x, x, t, content=torch.randn(2, 6), degradation=degradation)
        torch.testing.assert_close(a, b)  # zero-initialised proj_out
        net.mid_attn.attn.proj_out.weight.normal_(std=0.5)
        c = net(x, x, t, content=torch.randn(2, 6), degradation=degradation)
        assert not torch.allclose(c, net(x, x, t, content=torch.randn(2, 6), degradation=degradation))


def test_guidance_trains():
    net = _net(attention='linear', **GUIDED)
    x = torch.rand(2, 3, 16, 16)
    t = torch.tensor([10, 20])
    slots = (net.downs[1][2], net.downs[2][2], net.mid_attn, net.ups[0][2], net.ups[1][2])
    with torch.no_grad():
        for slot in slots:
            slot.attn.proj_out.weight.normal_(std=0.5)
    out = net(x, x, t, content=torch.randn(2, 6), degradation=torch.randn(2, 6))
    assert not torch.allclose(out, net(x, x, t, content=torch.randn(2, 6), degradation=torch.randn(2, 6)))
    out.square().mean().backward()
    assert net.prompt.grad.abs().sum() > 0
    assert net.degradation_mlp[0].weight.grad.abs().sum() > 0
    for slot in slots:  # one content token: the softmax is 1, so only the values (not q, k) get gradients
        assert slot.attn.blocks[0].cross_attn.to_v.weight.grad.abs().sum() > 0


def test_transformer_placement_follows_the_official_rule():
    """Levels >= transformer_from_level (encoder and decoder) and the middle hold the transformer."""
    net = _net(attention='linear', **dict(GUIDED, transformer_from_level=2))
    kinds = [type(level[2].attn).__name__ for level in net.downs] + [type(net.mid_attn.attn).__name__]
    assert kinds == ['LinearAttention', 'LinearAttention', 'SpatialTransformer', 'SpatialTransformer']
    assert [type(level[2].attn).__name__ for level in net.ups] == ['SpatialTransformer', 'LinearAttention',
                                                                   'LinearAttention']


def test_channel_layer_norm_copies_the_official_eps_rule():
    norm = ChannelLayerNorm(4)
    with torch.no_grad():
        norm.weight.copy_(torch.tensor([1.0, 2.0, 0.5, 3.0]).view(1, 4, 1, 1))
    x = torch.randn(2, 4, 3, 3, dtype=torch.float64) * 0.01  # small variance: eps matters
    mean, var = x.mean(1, keepdim=True), x.var(1, unbiased=False, keepdim=True)
    for dtype, eps in ((torch.float32, 1e-5), (torch.float64, 1e-3)):
        expected = (x - mean) / torch.sqrt(var + eps) * norm.weight.double()
        torch.testing.assert_close(norm.to(dtype)(x.to(dtype)), expected.to(dtype))


def test_missing_guidance_and_bad_options_raise():
    x = torch.rand(1, 3, 8, 8)
    with pytest.raises(ValueError, match='content embedding'):
        _net(**dict(GUIDED, degradation_prompt=False))(x, x, 1)
    with pytest.raises(ValueError, match='degradation embedding'):
        _net(degradation_prompt=True)(x, x, 1)
    with pytest.raises(ValueError, match='attention'):
        _net(attention='full')
    with pytest.raises(ValueError, match='transformer_groups'):
        _net(**dict(GUIDED, transformer_groups=32))
