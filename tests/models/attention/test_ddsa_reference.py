"""DDSA (DDSA paper Sec. 2.2, Eqs. 4-6) at its limits and defaults, against closed forms.

With ``topk_ratio = 1`` the top-k mask of Eq. (5) keeps every entry, so the sparse branch is the
dense softmax and a sparse-only DDSA is exactly MDTA; with both branches the bracket of Eq. (6)
is ``(w₀ + w₁) softmax(P)``.
"""
import torch

from derain_toolkit.registry import ATTENTION


def _pair(**options):
    torch.manual_seed(0)
    mdta = ATTENTION.build(dict(type='MDTA', dim=8, num_heads=2, bias=True))
    ddsa = ATTENTION.build(dict(type='DDSA', dim=8, num_heads=2, bias=True, **options))
    with torch.no_grad():
        mdta.temperature.copy_(torch.tensor([0.7, 1.9]).view(2, 1, 1))
    ddsa.load_state_dict(mdta.state_dict(), strict=False)
    return mdta, ddsa


def test_full_ratio_sparse_branch_is_the_dense_softmax():
    mdta, ddsa = _pair(dense=False, sparse=True, topk_ratio=1.0)
    x = torch.randn(2, 8, 5, 4)
    torch.testing.assert_close(ddsa(x), mdta(x), rtol=1e-5, atol=1e-5)


def test_two_branches_at_full_ratio_weight_one_map_by_the_sum_of_the_weights():
    mdta, ddsa = _pair(topk_ratio=1.0)
    with torch.no_grad():
        ddsa.branch_weights.copy_(torch.tensor([0.25, 1.5]))
        x = torch.randn(1, 8, 4, 6)
        q, k, v = (t.reshape(1, 2, 4, 24) for t in mdta.qkv_dwconv(mdta.qkv(x)).chunk(3, dim=1))
        q, k = q / q.norm(dim=-1, keepdim=True), k / k.norm(dim=-1, keepdim=True)
        attn = torch.softmax(q @ k.transpose(-2, -1) * mdta.temperature, dim=-1) * 1.75
        expected = mdta.project_out((attn @ v).reshape(1, 8, 4, 6))
        torch.testing.assert_close(ddsa(x), expected, rtol=1e-5, atol=1e-5)


def test_defaults_no_bias_k_from_ratio_07_and_equal_branch_weights():
    ddsa = ATTENTION.build(dict(type='DDSA', dim=16, num_heads=2))
    assert ddsa.qkv.bias is None and ddsa.project_out.bias is None
    assert ddsa.topk == 5  # floor(0.7 * 8)
    assert ddsa.branch_weights.tolist() == [0.5, 0.5]
    assert ddsa.temperature.shape == (2, 1, 1)
