"""TKSA (DRSformer Sec. 3.2) against a hand loop over its definition and against MDTA."""
import pytest
import torch
import torch.nn.functional as F

from derain_toolkit.registry import ATTENTION


@pytest.mark.parametrize('head_dim, topks', [(48, [24, 32, 36, 38]), (8, [4, 5, 6, 6]), (32, [16, 21, 24, 25])])
def test_k_are_the_official_integers(head_dim, topks):
    # official: int(C/2), int(C*2/3), int(C*3/4), int(C*4/5)
    assert ATTENTION.build(dict(type='TKSA', dim=head_dim * 2, num_heads=2)).topks == topks


def test_equals_a_hand_loop_over_the_definition():
    torch.manual_seed(0)
    attn = ATTENTION.build(dict(type='TKSA', dim=12, num_heads=2)).double()
    with torch.no_grad():
        attn.branch_weights.copy_(torch.tensor([0.1, 0.7, -0.3, 0.5]))
        attn.temperature.copy_(torch.tensor([[[2.0]], [[0.5]]]))
    x = torch.randn(2, 12, 5, 4, dtype=torch.float64)
    q, k, v = attn.qkv_dwconv(attn.qkv(x)).chunk(3, dim=1)
    expected = torch.zeros(2, 12, 20, dtype=torch.float64)
    for b in range(2):
        for head in range(2):
            rows = slice(head * 6, head * 6 + 6)
            qh, kh, vh = (t[b, rows].reshape(6, 20) for t in (q, k, v))
            logits = F.normalize(qh, dim=-1) @ F.normalize(kh, dim=-1).T * attn.temperature[head, 0, 0]
            for i in range(6):
                order = sorted(range(6), key=lambda j: -logits[i, j].item())
                for weight, kept in zip(attn.branch_weights, (3, 4, 4, 4)):  # int(6 * r), r = 1/2, 2/3, 3/4, 4/5
                    probs = torch.softmax(logits[i, order[:kept]], dim=0)
                    expected[b, head * 6 + i] += weight * (probs[:, None] * vh[order[:kept]]).sum(0)
    expected = attn.project_out(expected.reshape(2, 12, 5, 4))
    torch.testing.assert_close(attn(x), expected, rtol=0, atol=1e-12)


def test_keeping_every_entry_with_weight_one_is_mdta():
    torch.manual_seed(0)
    mdta = ATTENTION.build(dict(type='MDTA', dim=8, num_heads=2))
    tksa = ATTENTION.build(dict(type='TKSA', dim=8, num_heads=2, topk_ratios=(1.0, ), branch_weight_init=1.0))
    missing, unexpected = tksa.load_state_dict(mdta.state_dict(), strict=False)
    assert missing == ['branch_weights'] and unexpected == []
    x = torch.randn(1, 8, 6, 6)
    torch.testing.assert_close(tksa(x), mdta(x))
