import torch

from derain_toolkit.registry import ATTENTION


def test_mdta_matches_a_direct_computation():
    torch.manual_seed(0)
    attn = ATTENTION.build(dict(type='MDTA', dim=8, num_heads=2, bias=True))
    with torch.no_grad():
        attn.temperature.copy_(torch.tensor([0.5, 2.0]).view(2, 1, 1))
    x = torch.randn(1, 8, 5, 6)
    qkv = attn.qkv_dwconv(attn.qkv(x))
    outs = []
    for h in range(2):
        q, k, v = (qkv[0, i * 8 + h * 4: i * 8 + h * 4 + 4].reshape(4, -1) for i in range(3))
        q = q / q.norm(dim=1, keepdim=True)
        k = k / k.norm(dim=1, keepdim=True)
        a = torch.softmax(q @ k.T * attn.temperature[h, 0, 0], dim=1)
        outs.append(a @ v)
    expected = attn.project_out(torch.cat(outs).reshape(1, 8, 5, 6))
    assert torch.allclose(attn(x), expected, atol=1e-6)


def test_mdta_rejects_indivisible_heads():
    import pytest
    with pytest.raises(ValueError, match='divisible'):
        ATTENTION.build(dict(type='MDTA', dim=6, num_heads=4, bias=False))
