"""FFCM written out from its description (the Fourier unit itself: tests/models/layers/test_fourier_unit_reference.py)."""
import pytest
import torch
import torch.nn.functional as F

from derain_toolkit.registry import ATTENTION


def _conv(conv, x):
    pad = conv.kernel_size[0] // 2
    return F.conv2d(F.pad(x, (pad,) * 4, mode='reflect') if pad else x, conv.weight, conv.bias, groups=conv.groups)


def _bn(bn, x):
    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)


def test_mixer_equals_its_equations():
    torch.manual_seed(0)
    mixer = ATTENTION.build(dict(type='FusedFourierConvMixer', dim=8)).eval()
    with torch.no_grad():
        for bn in (mixer.fusion.norm, mixer.fusion.fourier.norm):
            bn.running_mean.uniform_(-0.5, 0.5), bn.running_var.uniform_(0.5, 1.5)
            bn.weight.uniform_(0.5, 1.5), bn.bias.uniform_(-0.5, 0.5)
    x = torch.randn(2, 8, 9, 10)
    with torch.no_grad():
        out = mixer(x)
        y = F.gelu(_conv(mixer.project_in[0], x))[:, :8]  # only the first C channels go on
        local3, local5 = F.gelu(_conv(mixer.local3[0], y)), F.gelu(_conv(mixer.local5[0], y))
        fusion = mixer.fusion
        x0 = torch.cat([F.gelu(_conv(fusion.proj_local3[0], local3)), F.gelu(_conv(fusion.proj_local5[0], local5))], 1)
        z = F.relu(_bn(fusion.norm, fusion.fourier(x0) + x0))
        z = F.gelu(_conv(mixer.project_out[1], _conv(mixer.project_out[0], z)))
        attention = mixer.channel_attention
        weights = torch.sigmoid(_conv(attention[3], F.gelu(_conv(attention[1], z.mean(dim=(2, 3), keepdim=True)))))
    torch.testing.assert_close(out, weights * z)
    assert mixer.local3[0].kernel_size == (3, 3) and mixer.local5[0].kernel_size == (5, 5)


def test_dim_must_be_a_multiple_of_four():
    with pytest.raises(ValueError, match='multiple of 4'):
        ATTENTION.build(dict(type='FusedFourierConvMixer', dim=6))
