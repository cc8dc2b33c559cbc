"""DDSA (Eqs. 4-6) against an independent loop-based reference and against MDTA."""
import math

import pytest
import torch
import torch.nn.functional as F

from derain_toolkit.models.attention.ddsa import DDSA
from derain_toolkit.models.attention.mdta import MDTA
from derain_toolkit.registry import ATTENTION

DIM, HEADS = 16, 2  # head dim d = 8, k = floor(0.7 * 8) = 5


def _reference(module: DDSA, x: torch.Tensor, dense: bool, sparse: bool, k: int) -> torch.Tensor:
    """DDSA written from the paper with plain convs and per-row Python loops."""
    weights = module.state_dict()
    qkv = F.conv2d(x, weights['qkv.weight'], weights.get('qkv.bias'))
    qkv = F.conv2d(qkv, weights['qkv_dwconv.weight'], weights.get('qkv_dwconv.bias'), padding=1, groups=qkv.shape[1])
    q, key, v = qkv.chunk(3, dim=1)
    batch, channels, height, width = x.shape
    d = channels // HEADS
    out = torch.zeros(batch, channels, height * width, dtype=x.dtype)
    for b in range(batch):
        for head in range(HEADS):
            rows = slice(head * d, (head + 1) * d)
            qh, kh, vh = (t[b, rows].reshape(d, -1) for t in (q, key, v))
            if module.qk_scaling == 'l2_temperature':
                qh = qh / qh.norm(dim=1, keepdim=True)
                kh = kh / kh.norm(dim=1, keepdim=True)
                logits = qh @ kh.T * weights['temperature'][head, 0, 0]
            else:
                logits = qh @ kh.T / math.sqrt(d)
            dense_map = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
            sparse_map = torch.zeros(d, d, dtype=x.dtype)
            for i in range(d):
                kept = sorted(range(d), key=lambda j: -logits[i, j].item())[:k]
                e = torch.exp(logits[i, kept])
                sparse_map[i, kept] = e / e.sum()
            if dense and sparse:
                attn = weights['branch_weights'][0] * dense_map + weights['branch_weights'][1] * sparse_map
            else:
                attn = dense_map if dense else sparse_map
            out[b, rows] = attn @ vh
    out = out.reshape(batch, channels, height, width)
    return F.conv2d(out, weights['project_out.weight'], weights.get('project_out.bias'))


def _randomise(module: torch.nn.Module) -> None:
    """Give temperatures and branch weights values other than their inits, so tests see them."""
    with torch.no_grad():
        if module.temperature is not None:
            module.temperature.uniform_(0.5, 3.0)
        if getattr(module, 'branch_weights', None) is not None:
            module.branch_weights.copy_(torch.tensor([0.3, 1.7]))


@pytest.mark.parametrize('dense,sparse', [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize('qk_scaling', ['l2_temperature', 'sqrt_d'])
def test_forward_matches_reference(dense, sparse, qk_scaling):
    torch.manual_seed(0)
    module = DDSA(DIM, HEADS, bias=True, dense=dense, sparse=sparse, qk_scaling=qk_scaling).double()
    _randomise(module)
    x = torch.randn(2, DIM, 6, 5, dtype=torch.float64)
    torch.testing.assert_close(module(x), _reference(module, x, dense, sparse, k=5))


def test_sparse_branch_keeps_exactly_k_per_row():
    torch.manual_seed(0)
    module = DDSA(DIM, HEADS, bias=False, dense=False, sparse=True, topk_ratio=0.7)
    assert module.topk == 5
    q, k, _ = module.qkv_heads(torch.randn(3, DIM, 8, 8))
    logits = module.attention_logits(q, k)
    attn = module.sparse_attention(logits)
    assert attn.shape == (3, HEADS, 8, 8)
    assert ((attn > 0).sum(dim=-1) == 5).all()
    torch.testing.assert_close(attn.sum(dim=-1), torch.ones(3, HEADS, 8))
    # The kept entries are the row's largest logits: every kept logit >= every dropped one.
    kept = attn > 0
    smallest_kept = logits.masked_fill(~kept, float('inf')).amin(dim=-1)
    largest_dropped = logits.masked_fill(kept, float('-inf')).amax(dim=-1)
    assert (smallest_kept >= largest_dropped).all()


def test_sparse_branch_keeps_k_under_ties():
    module = DDSA(DIM, HEADS, bias=False, dense=False, sparse=True, topk_ratio=0.5)
    attn = module.sparse_attention(torch.zeros(1, HEADS, 8, 8))
    assert ((attn > 0).sum(dim=-1) == 4).all()
    torch.testing.assert_close(attn[attn > 0], torch.full((HEADS * 8 * 4, ), 0.25))


def test_dense_only_equals_mdta():
    torch.manual_seed(0)
    mdta = MDTA(DIM, HEADS, bias=True)
    _randomise(mdta)
    dense_only = DDSA(DIM, HEADS, bias=True, dense=True, sparse=False)
    dense_only.load_state_dict(mdta.state_dict())  # strict: same names and shapes
    x = torch.randn(2, DIM, 8, 8)
    torch.testing.assert_close(dense_only(x), mdta(x))
    sparse_only = DDSA(DIM, HEADS, bias=True, dense=False, sparse=True)
    sparse_only.load_state_dict(mdta.state_dict())
    assert not torch.allclose(sparse_only(x), mdta(x), atol=1e-4)


def test_gradients_reach_combination_weights():
    torch.manual_seed(0)
    module = DDSA(DIM, HEADS, bias=False)
    module(torch.randn(2, DIM, 8, 8)).square().mean().backward()
    grad = module.branch_weights.grad
    assert grad is not None and grad.shape == (2, ) and torch.isfinite(grad).all() and (grad != 0).all()
    assert module.temperature.grad is not None and (module.temperature.grad != 0).any()


def test_single_branch_has_no_combination_weights_and_sqrt_d_no_temperature():
    assert DDSA(DIM, HEADS, dense=False).branch_weights is None
    names = dict(DDSA(DIM, HEADS, qk_scaling='sqrt_d').named_parameters())
    assert 'temperature' not in names and 'branch_weights' in names


def test_built_from_registry_with_options():
    module = ATTENTION.build(dict(type='DDSA', dim=DIM, num_heads=4, bias=False, sparse=True, topk_ratio=0.25))
    assert isinstance(module, DDSA) and module.topk == 1
    assert module(torch.randn(1, DIM, 5, 7)).shape == (1, DIM, 5, 7)


@pytest.mark.parametrize('kwargs', [dict(dense=False, sparse=False), dict(topk_ratio=0.0), dict(topk_ratio=1.5),
                                    dict(qk_scaling='cosine')])
def test_invalid_options_raise(kwargs):
    with pytest.raises(ValueError):
        DDSA(DIM, HEADS, **kwargs)


def _eq5_sparse_map(logits: torch.Tensor, k: int, fill: float) -> torch.Tensor:
    """softmax(M(P, k)) of Eqs. (5)-(6) by hand: per row, the threshold is the k-th largest value,
    entries below it become ``fill``, then exp / sum over the whole row."""
    rows, cols = logits.shape
    out = torch.zeros_like(logits)
    for i in range(rows):
        threshold = sorted(logits[i].tolist(), reverse=True)[k - 1]
        masked = [logits[i, j].item() if logits[i, j].item() >= threshold else fill for j in range(cols)]
        exps = [math.exp(m) for m in masked]  # exp(-inf) = 0
        out[i] = torch.tensor([e / sum(exps) for e in exps], dtype=logits.dtype)
    return out


@pytest.mark.parametrize('masked_fill,fill', [('neg_inf', float('-inf')), ('zero', 0.0)])
def test_sparse_map_matches_a_hand_loop_over_eq5(masked_fill, fill):
    torch.manual_seed(0)
    module = DDSA(DIM, HEADS, bias=False, dense=False, sparse=True, masked_fill=masked_fill).double()
    logits = 3 * torch.randn(2, HEADS, DIM // HEADS, DIM // HEADS, dtype=torch.float64)
    expected = torch.stack([torch.stack([_eq5_sparse_map(logits[b, h], 5, fill) for h in range(HEADS)])
                            for b in range(2)])
    torch.testing.assert_close(module.sparse_attention(logits), expected)
    zeros_per_row = (module.sparse_attention(logits) == 0).sum(-1)
    assert (zeros_per_row == (3 if masked_fill == 'neg_inf' else 0)).all()  # d - k = 3 dropped entries


def test_masked_fill_is_reachable_from_the_config():
    module = ATTENTION.build(dict(type='DDSA', dim=DIM, num_heads=HEADS, masked_fill='zero'))
    assert module.masked_fill == 'zero'
    with pytest.raises(ValueError, match='masked_fill'):
        DDSA(DIM, HEADS, masked_fill='minus_one')
