"""PReNet: official counts, and the recurrence against a hand-written loop over the paper's stage.

Agreement with the official code itself (seeded official weights, official outputs) is tested in
tests/checkpoints/test_prenet_converter.py.
"""
import torch
import torch.nn.functional as F

from derain_toolkit.registry import BACKBONES
from derain_toolkit.utils.complexity import count_macs_on_meta, count_parameters

# csdwren/PReNet networks.PReNet(recurrent_iter=6): 168,963 parameters (counted on the official class);
# CLIP-RPN Table 4: 0.17 M, 66.25 G MACs at 1x3x256x256 (the official class under PyTorch's FLOP counter
# gives the same 66,249,031,680 MACs).
OFFICIAL_PARAMETERS = 168_963
OFFICIAL_CONV_MACS_256 = 66_249_031_680
TINY = dict(type='PReNet', channels=4, stages=2, num_res_blocks=2)


def test_official_parameter_count():
    assert count_parameters(BACKBONES.build(dict(type='PReNet'))) == OFFICIAL_PARAMETERS


def test_official_macs_at_256():
    macs = count_macs_on_meta(BACKBONES.build(dict(type='PReNet')), (1, 3, 256, 256))
    assert macs['conv'] == macs['total'] == OFFICIAL_CONV_MACS_256


def _reference(net: torch.nn.Module, y: torch.Tensor) -> list[torch.Tensor]:
    """Stage outputs by hand: x^0 = y; per stage, f_in on cat(y, x^{t-1}), a ConvLSTM whose gates
    are the i, f, g, o quarters of one convolution of cat(features, h), residual blocks, f_out + y."""
    p = dict(net.named_parameters())
    ch = net.channels
    conv = lambda x, name: F.conv2d(x, p[f'{name}.weight'], p[f'{name}.bias'], padding=1)  # noqa: E731
    gate_w, gate_b = p['gates.weight'], p['gates.bias']
    h = torch.zeros(y.shape[0], ch, *y.shape[2:])
    c = torch.zeros_like(h)
    x, outputs = y, []
    for _ in range(net.stages):
        feat = F.relu(conv(torch.cat([y, x], 1), 'fuse.0'))
        z = torch.cat([feat, h], 1)
        i, f, g, o = (F.conv2d(z, gate_w[k * ch:(k + 1) * ch], gate_b[k * ch:(k + 1) * ch], padding=1)
                      for k in range(4))
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        r = h
        for block in range(len(net.res_blocks)):
            inner = F.relu(conv(F.relu(conv(r, f'res_blocks.{block}.body.0')), f'res_blocks.{block}.body.2'))
            r = F.relu(inner + r)
        x = conv(r, 'out') + y
        outputs.append(x)
    return outputs


def test_stages_follow_the_hand_written_recurrence_on_any_size():
    torch.manual_seed(0)
    net = BACKBONES.build(TINY).double()
    with torch.no_grad():
        for param in net.parameters():
            param.copy_(0.5 * torch.randn_like(param))  # gates far from their init, so every gate matters
        y = torch.rand(2, 3, 7, 9, dtype=torch.float64)
        out = net(y)
        expected = _reference(net, y)
    assert len(out['stages']) == 2 and out['pred'] is out['stages'][-1]
    for ours, theirs in zip(out['stages'], expected):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-12)
    assert (out['stages'][1] - out['stages'][0]).abs().max() > 1e-3  # the second stage changes the estimate


def test_gradients_reach_every_parameter():
    net = BACKBONES.build(TINY)
    net(torch.rand(1, 3, 8, 8))['pred'].square().mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())
