"""LayerNorm2d against Restormer's channel LayerNorm written per pixel (WithBias and BiasFree)."""
import pytest
import torch

from derain_toolkit.models.layers.layer_norm import LayerNorm2d


@pytest.mark.parametrize('bias', [True, False])
def test_layer_norm_per_pixel(bias):
    torch.manual_seed(0)
    norm = LayerNorm2d(4, bias=bias, eps=1e-3)
    with torch.no_grad():
        norm.weight.copy_(torch.randn(4))
        if bias:
            norm.bias.copy_(torch.randn(4))
    x = torch.randn(2, 4, 3, 5) * 2 + 1
    out = norm(x)
    for b in range(2):
        for i in range(3):
            for j in range(5):
                v = x[b, :, i, j]
                mean = v.sum() / 4
                var = ((v - mean) ** 2).sum() / 4  # biased variance, as Restormer
                if bias:  # WithBias: (v - mean) / sqrt(var + eps) * w + b
                    expected = (v - mean) / torch.sqrt(var + 1e-3) * norm.weight + norm.bias
                else:  # BiasFree: the mean is kept, only scaled by the spread around it
                    expected = v / torch.sqrt(var + 1e-3) * norm.weight
                torch.testing.assert_close(out[b, :, i, j], expected, rtol=1e-5, atol=1e-5)


def test_defaults_are_unit_weight_zero_bias_and_eps_1e_5():
    norm = LayerNorm2d(3)
    x = torch.tensor([0.0, 0.0, 3e-3]).reshape(1, 3, 1, 1)
    var = (2 * 1e-6 + 4e-6) / 3  # mean 1e-3: deviations -1e-3, -1e-3, 2e-3
    expected = (x - 1e-3) / (var + 1e-5) ** 0.5
    torch.testing.assert_close(norm(x), expected, rtol=1e-5, atol=1e-6)


def test_scale_and_shift_are_learnable():
    assert sorted(name for name, _ in LayerNorm2d(4).named_parameters()) == ['bias', 'weight']
    assert [name for name, _ in LayerNorm2d(4, bias=False).named_parameters()] == ['weight']
