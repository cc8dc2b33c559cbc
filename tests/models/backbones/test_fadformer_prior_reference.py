"""The residue-channel prior (FADformer's PGFN input): max over colour channels minus min, per pixel."""
import torch

from derain_toolkit.models.backbones.fadformer import residue_channel


def test_residue_channel_is_max_minus_min_over_channels():
    x = torch.rand(2, 3, 4, 5, generator=torch.Generator().manual_seed(0))
    expected = torch.empty(2, 1, 4, 5)
    for b in range(2):
        for i in range(4):
            for j in range(5):
                values = [float(x[b, c, i, j]) for c in range(3)]
                expected[b, 0, i, j] = max(values) - min(values)
    torch.testing.assert_close(residue_channel(x), expected, rtol=0, atol=1e-7)


def test_grey_pixels_have_no_residue():
    grey = torch.rand(1, 1, 6, 6).expand(1, 3, 6, 6)
    assert residue_channel(grey).abs().max() == 0
