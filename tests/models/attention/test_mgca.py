"""MGCA (CLIP-RPN Sec. 3.3): shape, mask use, gradient flow to both region branches."""
import pytest
import torch

from derain_toolkit.registry import ATTENTION


def _mgca(**options):
    return ATTENTION.build(dict(type='MGCA', dim=16, num_heads=2, bias=False, **options))


def test_output_shape_and_mask_changes_output():
    torch.manual_seed(0)
    mgca = _mgca()
    feat = torch.randn(2, 16, 12, 10)
    out = mgca(feat, torch.rand(2, 1, 12, 10))
    assert out.shape == feat.shape
    assert not torch.allclose(out, mgca(feat, torch.rand(2, 1, 12, 10)))


def test_gradients_reach_both_branches_the_mask_and_the_input():
    torch.manual_seed(0)
    mgca = _mgca()
    feat = torch.randn(2, 16, 8, 8, requires_grad=True)
    mask = torch.rand(2, 1, 8, 8, requires_grad=True)
    mgca(feat, mask).square().mean().backward()
    for branch in (mgca.rain_attention, mgca.clear_attention, mgca.fuse_attention):
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in branch.parameters())
    assert mgca.spatial.weight.grad.abs().sum() > 0 and mgca.channel_max[0].weight.grad.abs().sum() > 0
    assert mask.grad.abs().sum() > 0 and feat.grad.abs().sum() > 0


def test_residual_option():
    torch.manual_seed(0)
    plain = _mgca(residual=False)
    residual = _mgca(residual=True)
    residual.load_state_dict(plain.state_dict())
    feat, mask = torch.randn(1, 16, 6, 6), torch.rand(1, 1, 6, 6)
    torch.testing.assert_close(residual(feat, mask), feat + plain(feat, mask))


def test_heads_must_divide_dim():
    with pytest.raises(ValueError, match='divisible'):
        ATTENTION.build(dict(type='MGCA', dim=10, num_heads=4, bias=False))
