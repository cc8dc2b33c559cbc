"""RestormerUNet wiring against Restormer Fig. 2 written out level by level.

The blocks, resamplers and convolutions are used as black boxes through their documented
attribute names; the reference supplies the wiring: reflect-pad to a multiple of
``2**(levels-1)``, patch embedding, encoder -> skip -> downsample per level, latent, then per
level deepest first ``neck -> upsample -> Cat(upsampled, skip) -> 1x1 reduce (none at the
first level) -> decoder``, refinement, output conv, crop, global residual.
"""
import pytest
import torch
import torch.nn.functional as F

from derain_toolkit.registry import BACKBONES

TINY = dict(type='RestormerUNet', dim=4, num_blocks=(1, 1, 1), num_refinement_blocks=1, heads=(1, 2, 2))


def _network(**options):
    torch.manual_seed(0)
    return BACKBONES.build(dict(TINY, **options)).eval()


def _reference(net, x, neck=None):
    height, width = x.shape[-2:]
    feat = F.pad(x, (0, (-width) % 4, 0, (-height) % 4), mode='reflect')  # 3 levels: multiple of 4
    feat = F.conv2d(feat, net.patch_embed.weight, net.patch_embed.bias, padding=1)  # 3x3, 'same'
    skip0 = net.encoders[0](feat)
    skip1 = net.encoders[1](net.downs[0](skip0))
    feat = net.latent(net.downs[1](skip1))  # (B, 16, H/4, W/4)
    if neck is not None:
        feat = neck(0, feat)
    feat = net.decoders[1](net.reduces[1](torch.cat([net.ups[1](feat), skip1], dim=1)))  # (B, 8, H/2, W/2)
    if neck is not None:
        feat = neck(1, feat)
    feat = net.decoders[0](torch.cat([net.ups[0](feat), skip0], dim=1))  # (B, 8, H, W): no reduction
    out = F.conv2d(net.refinement(feat), net.output.weight, net.output.bias, padding=1)  # 3x3, 'same'
    return out[..., :height, :width] + x


def test_forward_matches_the_hand_wired_unet_on_an_odd_size():
    net = _network()
    x = torch.rand(2, 3, 10, 7)
    with torch.no_grad():
        torch.testing.assert_close(net(x), _reference(net, x), rtol=1e-5, atol=1e-5)


def test_neck_runs_before_each_upsampling_with_the_level_index():
    net = _network()
    torch.manual_seed(1)
    scales = {0: torch.randn(1, 16, 1, 1), 1: torch.randn(1, 8, 1, 1)}

    def neck(level, feat):
        return feat * scales[level] + level

    x = torch.rand(1, 3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(net(x, neck=neck), _reference(net, x, neck), rtol=1e-5, atol=1e-5)


def test_channel_plan_and_neck_metadata():
    net = _network()
    assert [m.body[0].in_channels for m in net.downs] == [4, 8]
    assert [m.body[0].in_channels for m in net.ups] == [8, 16]
    assert isinstance(net.reduces[0], torch.nn.Identity)
    assert (net.reduces[1].in_channels, net.reduces[1].out_channels) == (16, 8)
    assert net.output.in_channels == 8 and net.pad_multiple == 4
    assert net.neck_channels == [16, 8] and net.neck_strides == [4, 2]


def test_defaults_are_restormers_deraining_model():
    """Restormer's official deraining model has 26,126,644 parameters (as test_restormer_unet pins with
    explicit options); the constructor's defaults must build exactly that model."""
    net = BACKBONES.build(dict(type='RestormerUNet'))
    assert sum(p.numel() for p in net.parameters()) == 26_126_644
    assert [len(stage) for stage in (*net.encoders, net.latent, net.refinement)] == [4, 6, 6, 8, 4]


def test_deeper_unets_double_channels_per_level_and_check_their_options():
    net = _network(dim=2, num_blocks=(1, 1, 1, 1, 1), heads=(1, 1, 1, 1, 1))
    assert net.neck_channels == [32, 16, 8, 4] and net.neck_strides == [16, 8, 4, 2] and net.pad_multiple == 16
    with pytest.raises(ValueError, match='same length'):
        _network(num_blocks=(1, 1, 1), heads=(1, 2))
