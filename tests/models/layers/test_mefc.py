"""MEFC (DRSformer Sec. 3.3): per-sample expert weights, and the structure of the official subnet."""
import torch

from derain_toolkit.models.layers.mefc import MEFC


def test_each_sample_is_weighted_by_its_own_gate():
    torch.manual_seed(0)
    mefc = MEFC(6, steps=2)
    x = torch.randn(3, 6, 8, 8)
    x[1] *= 5  # a different pooled vector, hence different expert weights
    together = mefc(x)
    alone = torch.cat([mefc(x[i:i + 1]) for i in range(3)])
    torch.testing.assert_close(together, alone)
    first = mefc.gate(x.mean(dim=(-2, -1))).view(3, 2, 8).softmax(-1)
    assert not torch.allclose(first[0], first[1])


def test_parameter_count_of_the_official_subnet():
    # official subnet(C): OALayer 2 linears (C -> 64 -> 32), a 1x1 preprocess, per step 4 separable
    # (2 depth-wise k x k + 2 point-wise), 3 dilated (1 depth-wise + 1 point-wise), a 8C -> C 1x1.
    c = 48
    per_step = sum(2 * c * k * k + 2 * c * c for k in (1, 3, 5, 7)) + sum(c * k * k + c * c for k in (3, 5, 7))
    expected = (c * 64 + 64) + (64 * 32 + 32) + c * c + 4 * (per_step + 8 * c * c)
    assert sum(p.numel() for p in MEFC(c).parameters()) == expected
