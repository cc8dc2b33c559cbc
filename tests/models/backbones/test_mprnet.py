"""MPRNet: official counts, the multi-patch / SAM / CSFF wiring against a reference written the
official way (each patch on its own), any input size, the shared PReLU.

Agreement with the official code itself (seeded official weights, official outputs) is tested in
tests/checkpoints/test_mprnet_converter.py.
"""
import pytest
import torch
import torch.nn.functional as F

from derain_toolkit.registry import BACKBONES
from derain_toolkit.utils.complexity import count_macs_on_meta, count_parameters

# swz30/MPRNet Deraining/MPRNet.py, MPRNet() (the deraining configuration): 3,637,249 parameters
# (counted on the official class; the shared PReLU once). CLIP-RPN Table 4 gives 3.64 M and
# 548.65 G, a thop artefact (issue 13); the official class's convolutions are 140,982,247,208 MACs
# at 1x3x256x256 under PyTorch's FLOP counter, and it has no other multiply-accumulates.
OFFICIAL_PARAMETERS = 3_637_249
OFFICIAL_CONV_MACS_256 = 140_982_247_208
TINY = dict(type='MPRNet', n_feat=4, scale_unetfeats=2, scale_orsnetfeats=2, num_cab=1, reduction=2)


def test_official_parameter_count():
    assert count_parameters(BACKBONES.build(dict(type='MPRNet'))) == OFFICIAL_PARAMETERS


def test_official_macs_at_256():
    macs = count_macs_on_meta(BACKBONES.build(dict(type='MPRNet')), (1, 3, 256, 256))
    assert macs['conv'] == macs['total'] == OFFICIAL_CONV_MACS_256


def _encode(enc, x, prev_enc=None, prev_dec=None):
    feats = []
    for level in range(3):
        if level:
            x = enc.downs[level - 1](x)
        x = enc.levels[level](x)
        if prev_enc is not None:
            x = x + enc.csff_enc[level](prev_enc[level]) + enc.csff_dec[level](prev_dec[level])
        feats.append(x)
    return feats


def _decode(dec, feats):
    d3 = dec.levels[2](feats[2])
    d2 = dec.levels[1](dec.ups[1](d3) + dec.skip_attn[1](feats[1]))
    d1 = dec.levels[0](dec.ups[0](d2) + dec.skip_attn[0](feats[0]))
    return [d1, d2, d3]


def _sam(sam, x, image):
    restored = sam.conv_image(x) + image
    return sam.conv_feat(x) * torch.sigmoid(sam.conv_gate(restored)) + x, restored


def _reference(net, x):
    """The official forward: four quarters and two halves processed one by one."""
    h, w = x.shape[-2] // 2, x.shape[-1] // 2
    top, bot = x[..., :h, :], x[..., h:, :]
    quarters = [top[..., :w], top[..., w:], bot[..., :w], bot[..., w:]]  # lt, rt, lb, rb
    enc_q = [_encode(net.encoders[0], net.shallow_feats[0](q)) for q in quarters]
    enc1_top = [torch.cat([a, b], 3) for a, b in zip(enc_q[0], enc_q[1])]
    enc1_bot = [torch.cat([a, b], 3) for a, b in zip(enc_q[2], enc_q[3])]
    dec1_top, dec1_bot = _decode(net.decoders[0], enc1_top), _decode(net.decoders[0], enc1_bot)
    sam_top, img1_top = _sam(net.sams[0], dec1_top[0], top)
    sam_bot, img1_bot = _sam(net.sams[0], dec1_bot[0], bot)
    enc2_top = _encode(net.encoders[1], net.fuses[0](torch.cat([net.shallow_feats[1](top), sam_top], 1)),
                       enc1_top, dec1_top)
    enc2_bot = _encode(net.encoders[1], net.fuses[0](torch.cat([net.shallow_feats[1](bot), sam_bot], 1)),
                       enc1_bot, dec1_bot)
    enc2 = [torch.cat([a, b], 2) for a, b in zip(enc2_top, enc2_bot)]
    dec2 = _decode(net.decoders[1], enc2)
    sam3, img2 = _sam(net.sams[1], dec2[0], x)
    feat = net.fuses[1](torch.cat([net.shallow_feats[2](x), sam3], 1))
    ors = net.orsnet
    up_steps = ([], [None], [None, None])  # level l is upsampled l times
    for level in range(3):
        feat = ors.orbs[level](feat)
        e, d = enc2[level], dec2[level]
        for step in range(len(up_steps[level])):
            e, d = ors.up_enc[level][step](e), ors.up_dec[level][step](d)
        feat = feat + ors.csff_enc[level](e) + ors.csff_dec[level](d)
    return [torch.cat([img1_top, img1_bot], 2), img2, net.tail(feat) + x]


@pytest.fixture(scope='module')
def tiny():
    torch.manual_seed(0)
    net = BACKBONES.build(TINY).double().eval()
    with torch.no_grad():
        for param in net.parameters():
            param.add_(0.1 * torch.randn_like(param))
    return net


def test_stages_follow_the_official_patch_wiring(tiny):
    x = torch.rand(2, 3, 16, 24, dtype=torch.float64)
    with torch.no_grad():
        out, expected = tiny(x), _reference(tiny, x)
    assert out['pred'] is out['stages'][-1]
    for ours, theirs in zip(out['stages'], expected):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-12)


@pytest.mark.parametrize('size, mode', [((13, 21), 'reflect'), ((3, 21), 'replicate')])
def test_any_size_is_padded_at_the_bottom_right_and_cropped(tiny, size, mode):
    """As the official demo.py: reflect-pad to a multiple of 8 (replicate where the image is too small)."""
    x = torch.rand(1, 3, *size, dtype=torch.float64)
    padded = F.pad(x, (0, -size[1] % 8, 0, -size[0] % 8), mode=mode)
    with torch.no_grad():
        out, expected = tiny(x), _reference(tiny, padded)
    for ours, theirs in zip(out['stages'], expected):
        assert ours.shape == x.shape
        torch.testing.assert_close(ours, theirs[..., :size[0], :size[1]], rtol=0, atol=1e-12)


def test_one_prelu_is_shared_by_every_cab_and_listed_under_each():
    net = BACKBONES.build(dict(type='MPRNet'))
    prelus = {id(m) for m in net.modules() if isinstance(m, torch.nn.PReLU)}
    listed = [key for key, value in net.state_dict().items() if value.shape == (1,)]
    assert len(prelus) == 1 and len(listed) == 55  # 3 shallow + 2 x 6 encoder + 2 x 8 decoder + 3 x 8 ORSNet CABs


def test_every_parameter_is_used_and_gradients_flow_through_every_stage():
    torch.manual_seed(0)
    net = BACKBONES.build(TINY)
    out = net(torch.rand(1, 3, 16, 16))
    sum(stage.square().mean() for stage in out['stages']).backward()
    assert all(p.grad is not None for p in net.parameters())
    # Without biases a 2-channel squeeze can have both ReLUs dead: only those get exactly zero gradients.
    assert all(p.grad.abs().sum() > 0 for name, p in net.named_parameters() if '.attention.' not in name)
