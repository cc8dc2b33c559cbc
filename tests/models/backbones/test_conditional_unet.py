"""ConditionalUNet: the IR-SDE noise predictor with DA-CLIP guidance (DA-CLIP paper Sec. V-B)."""
import pytest
import torch

from derain_toolkit.models.backbones.conditional_unet import ConditionalUNet


def _net(**options) -> ConditionalUNet:
    torch.manual_seed(0)
    return ConditionalUNet(nf=8, ch_mult=(1, 2, 2), heads=2, dim_head=4, embed_dim=6, **options)


@pytest.mark.parametrize('attention', ['none', 'linear'])
def test_any_size_shape(attention):
    net = _net(attention=attention)
    x = torch.rand(2, 3, 13, 18)
    assert net(x, x * 0.5, torch.tensor([1, 70])).shape == (2, 3, 13, 18)
    assert net(x, x, 5).shape == (2, 3, 13, 18)


def test_time_step_changes_prediction():
    net = _net()
    x = torch.rand(1, 3, 16, 16)
    assert not torch.allclose(net(x, x, torch.tensor([2])), net(x, x, torch.tensor([90])))


def test_content_cross_attention_starts_as_identity_then_uses_content():
    net = _net(content_cross_attention=True)
    x = torch.rand(2, 3, 16, 16)
    t = torch.tensor([10, 20])
    a = net(x, x, t, content=torch.randn(2, 6))
    b = net(x, x, t, content=torch.randn(2, 6))
    torch.testing.assert_close(a, b)  # zero-initialised output projections
    with torch.no_grad():
        net.mid_attn.to_out.weight.normal_(std=0.5)
    assert not torch.allclose(net(x, x, t, content=torch.randn(2, 6)), net(x, x, t, content=torch.randn(2, 6)))


def test_degradation_prompt_conditions_and_trains():
    net = _net(degradation_prompt=True)
    x = torch.rand(2, 3, 16, 16)
    t = torch.tensor([10, 20])
    out = net(x, x, t, degradation=torch.randn(2, 6))
    assert not torch.allclose(out, net(x, x, t, degradation=torch.randn(2, 6)))
    out.square().mean().backward()
    assert net.prompt.grad.abs().sum() > 0
    assert net.degradation_mlp[0].weight.grad.abs().sum() > 0


def test_missing_guidance_and_bad_options_raise():
    x = torch.rand(1, 3, 8, 8)
    with pytest.raises(ValueError, match='content embedding'):
        _net(content_cross_attention=True)(x, x, 1)
    with pytest.raises(ValueError, match='degradation embedding'):
        _net(degradation_prompt=True)(x, x, 1)
    with pytest.raises(ValueError, match='attention'):
        _net(attention='full')
