"""LayerNorm2d against a hand loop over Restormer's per-pixel formula, in both memory formats."""
import pytest
import torch

from derain_toolkit.models.layers.layer_norm import LayerNorm2d


def _reference(x: torch.Tensor, weight: torch.Tensor, bias, eps: float) -> torch.Tensor:
    """Pixel by pixel, float64: (v - mean) / sqrt(var + eps) * w + b ("BiasFree": v / sqrt(var + eps) * w)."""
    out = torch.empty(x.shape, dtype=torch.float64)
    for b in range(x.shape[0]):
        for i in range(x.shape[2]):
            for j in range(x.shape[3]):
                v = x[b, :, i, j].double()
                mean = v.sum() / v.numel()
                var = ((v - mean)**2).sum() / v.numel()
                centred = v - mean if bias is not None else v
                out[b, :, i, j] = centred / (var + eps).sqrt() * weight.double() + (
                    bias.double() if bias is not None else 0)
    return out


@pytest.mark.parametrize('with_bias', [True, False])
@pytest.mark.parametrize('channels_last', [False, True])
def test_matches_the_formula_and_keeps_the_memory_format(with_bias, channels_last):
    torch.manual_seed(0)
    norm = LayerNorm2d(6, bias=with_bias)
    with torch.no_grad():
        norm.weight.uniform_(0.5, 1.5)
        if with_bias:
            norm.bias.uniform_(-0.5, 0.5)
    x = torch.randn(2, 6, 3, 5) * 3 + 1
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    x = x.contiguous(memory_format=memory_format).requires_grad_()
    out = norm(x)
    expected = _reference(x.detach(), norm.weight.detach(), None if norm.bias is None else norm.bias.detach(),
                          norm.eps)
    torch.testing.assert_close(out.double(), expected, rtol=1e-5, atol=1e-5)
    assert out.is_contiguous(memory_format=memory_format)
    # Gradients against autograd through the float64 formula.
    x64 = x.detach().double().requires_grad_()
    w64 = norm.weight.detach().double().requires_grad_()
    mean = x64.mean(1, keepdim=True)
    var = ((x64 - mean)**2).mean(1, keepdim=True)
    ref = ((x64 - mean) if with_bias else x64) / (var + norm.eps).sqrt() * w64[None, :, None, None]
    grad = torch.randn(out.shape, dtype=torch.float64)
    ref.backward(grad)
    out.backward(grad.float())
    torch.testing.assert_close(x.grad.double(), x64.grad, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(norm.weight.grad.double(), w64.grad, rtol=1e-4, atol=1e-5)
