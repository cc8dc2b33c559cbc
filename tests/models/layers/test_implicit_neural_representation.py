"""The INR against a per-pixel hand loop: an MLP on the zero-padded 3x3 neighbourhood of the feature map (channel
by channel, row by row), the relative coordinate and its encoding (zero: the queries are the feature grid's own
pixel centres) and the cell size (2/h * h, 2/w * w) = (2, 2)."""
import torch

from derain_toolkit.models.layers.implicit_neural_representation import ImplicitNeuralRepresentation


def test_inr_is_a_per_pixel_mlp_on_the_unfolded_features_and_the_cell():
    torch.manual_seed(0)
    inr = ImplicitNeuralRepresentation(dim=5, hidden=[7, 6], frequencies=3).double()
    feat = torch.randn(2, 5, 3, 4, dtype=torch.float64)
    padded = torch.nn.functional.pad(feat, (1, 1, 1, 1))
    expected = torch.empty(2, 3, 3, 4, dtype=torch.float64)
    for b in range(2):
        for i in range(3):
            for j in range(4):
                codes = [padded[b, c, i + di, j + dj] for c in range(5) for di in range(3) for dj in range(3)]
                vector = torch.stack(codes + [torch.tensor(0.0, dtype=torch.float64)] * (2 + 4 * 3)
                                     + [torch.tensor(2.0, dtype=torch.float64)] * 2)
                expected[b, :, i, j] = inr.mlp(vector)
    torch.testing.assert_close(inr(feat), expected, rtol=0, atol=1e-13)


def test_positional_encoding_lists_sines_then_cosines_per_axis():
    inr = ImplicitNeuralRepresentation(dim=1, hidden=[2], frequencies=2)
    coord = torch.tensor([[0.25, -0.5]], dtype=torch.float64)
    pi = torch.pi
    expected = [0.25, -0.5,
                torch.sin(torch.tensor(pi * 0.25)), torch.sin(torch.tensor(2 * pi * 0.25)),
                torch.cos(torch.tensor(pi * 0.25)), torch.cos(torch.tensor(2 * pi * 0.25)),
                torch.sin(torch.tensor(-pi * 0.5)), torch.sin(torch.tensor(-2 * pi * 0.5)),
                torch.cos(torch.tensor(-pi * 0.5)), torch.cos(torch.tensor(-2 * pi * 0.5))]
    torch.testing.assert_close(inr.encode_position(coord), torch.tensor([expected], dtype=torch.float64))
