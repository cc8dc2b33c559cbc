"""FourierUnit against a hand DFT: the spectrum's real and imaginary parts interleaved per channel
(c0.re, c0.im, c1.re, ...), a 1x1 conv, BatchNorm (eval), ReLU, and the Hermitian inverse, all orthonormal."""
import math

import pytest
import torch

from derain_toolkit.models.layers.fourier_unit import FourierUnit


def _hand_fourier_unit(unit: FourierUnit, x: torch.Tensor) -> torch.Tensor:
    """Sums over e^{-2 pi i (k m / H + l n / W)} / sqrt(H W), written out (float64, one image)."""
    channels, height, width = x.shape
    half = width // 2 + 1
    m, n = torch.arange(height, dtype=torch.float64), torch.arange(width, dtype=torch.float64)
    k, l = m.view(-1, 1), torch.arange(half, dtype=torch.float64).view(-1, 1)
    rows = torch.exp(-2j * math.pi * k * m / height)  # (H freq, H pos)
    cols = torch.exp(-2j * math.pi * l * n / width)  # (W/2+1 freq, W pos)
    spectrum = torch.einsum('km,cmn,ln->ckl', rows, x.to(torch.complex128), cols) / math.sqrt(height * width)
    interleaved = []
    for c in range(channels):
        interleaved += [spectrum[c].real, spectrum[c].imag]
    z = torch.stack(interleaved)  # (2C, H, W/2+1)
    z = torch.einsum('oi,ikl->okl', unit.conv.weight.double()[:, :, 0, 0], z)
    bn = unit.norm
    z = (z - bn.running_mean.double().view(-1, 1, 1)) / torch.sqrt(bn.running_var.double().view(-1, 1, 1) + bn.eps)
    z = (z * bn.weight.double().view(-1, 1, 1) + bn.bias.double().view(-1, 1, 1)).clamp(min=0)
    out_spectrum = torch.complex(z[0::2], z[1::2])  # channel c: (re, im) = rows 2c, 2c+1
    # Inverse: along H a full inverse DFT; along W the half spectrum of a real signal, so the
    # columns other than 0 and (even W) W/2 count twice and only the real part is kept.
    along_h = torch.einsum('mk,ckl->cml', rows.conj().T, out_spectrum)
    weight = torch.full((half,), 2.0, dtype=torch.float64)
    weight[0] = 1.0
    if width % 2 == 0:
        weight[-1] = 1.0
    phases = torch.exp(2j * math.pi * n.view(-1, 1) * l.view(1, -1) / width)  # (W pos, W/2+1 freq)
    return torch.einsum('cml,nl,l->cmn', along_h, phases, weight.to(torch.complex128)).real / math.sqrt(height * width)


@pytest.mark.parametrize('size', [(4, 6), (5, 7), (6, 5)])
def test_fourier_unit_equals_the_hand_dft(size):
    generator = torch.Generator().manual_seed(0)
    unit = FourierUnit(3, 3).double().eval()
    with torch.no_grad():
        unit.conv.weight.copy_(torch.randn(unit.conv.weight.shape, generator=generator, dtype=torch.float64))
        for name in ('weight', 'bias', 'running_mean'):
            getattr(unit.norm, name).copy_(torch.randn(6, generator=generator, dtype=torch.float64))
        unit.norm.running_var.copy_(torch.rand(6, generator=generator, dtype=torch.float64) + 0.5)
    x = torch.randn(2, 3, *size, generator=generator, dtype=torch.float64)
    with torch.no_grad():
        out = unit(x)
    assert out.shape == x.shape
    for b in range(2):
        torch.testing.assert_close(out[b], _hand_fourier_unit(unit, x[b]), rtol=0, atol=1e-10)
