"""MGCA against a hand-written reference of CLIP-RPN Sec. 3.3, Eqs. (7)-(13).

The reference below is written from the paper (and the module docstring's stated choices:
L2-normalised q/k with a per-head temperature, a 1x1 output projection per CA, a 7x7
conv joining the Eq. (11) pooled maps), with explicit loops over heads and channels. It
reads only the module's parameters, never its helpers. Every parameter (temperatures
included) is randomised so that no branch or scale is invisible.
"""
import pytest
import torch
import torch.nn.functional as F

from derain_toolkit.registry import ATTENTION


def _randomise(module: torch.nn.Module) -> None:
    torch.manual_seed(1)
    with torch.no_grad():
        for param in module.parameters():
            param.copy_(torch.randn_like(param) * 0.5)


def _conv_1x1_then_dw(seq: torch.nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """Eq. (8): a 1x1 conv then a 3x3 depth-wise conv, from the two layers' weights."""
    pointwise, depthwise = seq[0], seq[1]
    x = F.conv2d(x, pointwise.weight, pointwise.bias)
    return F.conv2d(x, depthwise.weight, depthwise.bias, padding=1, groups=x.shape[1])


def _cross_attention(ca: torch.nn.Module, num_heads: int, f_q: torch.Tensor, f_kv: torch.Tensor) -> torch.Tensor:
    """Eq. (9), ``CA(F_q, F_kv, F_kv)``: softmax over the key channels of each query channel."""
    batch, channels, height, width = f_q.shape
    q = _conv_1x1_then_dw(ca.q, f_q).reshape(batch, channels, height * width)
    kv = _conv_1x1_then_dw(ca.kv, f_kv).reshape(batch, 2 * channels, height * width)
    k, v = kv[:, :channels], kv[:, channels:]  # keys are the first half of the kv projection
    d = channels // num_heads
    out = torch.zeros(batch, channels, height * width)
    for b in range(batch):
        for h in range(num_heads):
            alpha = ca.temperature[h].item()
            rows = range(h * d, (h + 1) * d)
            for i in rows:
                qi = q[b, i] / q[b, i].norm().clamp_min(1e-12)
                logits = torch.stack([alpha * (qi @ (k[b, j] / k[b, j].norm().clamp_min(1e-12))) for j in rows])
                weights = torch.exp(logits - logits.max())
                weights = weights / weights.sum()
                out[b, i] = sum(weights[n] * v[b, j] for n, j in enumerate(rows))
    out = out.reshape(batch, channels, height, width)
    return F.conv2d(out, ca.project_out.weight, ca.project_out.bias)


def _channel_mlp(seq: torch.nn.Sequential, pooled: torch.Tensor) -> torch.Tensor:
    """``W₂ γ(W₁ x)`` of Eq. (12), γ = ReLU, on a (B, C) vector."""
    first, last = seq[0], seq[2]
    hidden = torch.relu(pooled @ first.weight[:, :, 0, 0].t() + first.bias)
    return hidden @ last.weight[:, :, 0, 0].t() + last.bias


def _reference_mgca(mgca: torch.nn.Module, num_heads: int, feat: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    f_r = feat * mask  # Eq. (7)
    f_n = feat * (1 - mask)
    f_r_ca = _cross_attention(mgca.rain_attention, num_heads, f_r, feat)  # Eq. (10)
    f_n_ca = _cross_attention(mgca.clear_attention, num_heads, f_n, feat)
    # Eq. (11): spatial weights from the rainy branch: channel-mean and channel-max maps.
    avg_map = f_r_ca.sum(dim=1, keepdim=True) / f_r_ca.shape[1]
    max_map = torch.stack([f_r_ca[:, c] for c in range(f_r_ca.shape[1])]).max(dim=0).values.unsqueeze(1)
    spatial = mgca.spatial
    w_r = torch.sigmoid(F.conv2d(torch.cat([avg_map, max_map], dim=1), spatial.weight, spatial.bias,
                                 padding=spatial.kernel_size[0] // 2))  # (B, 1, H, W)
    # Eq. (12): channel weights from the non-rainy branch: spatial average and maximum.
    avg_vec = f_n_ca.flatten(2).sum(dim=-1) / (f_n_ca.shape[2] * f_n_ca.shape[3])
    max_vec = f_n_ca.flatten(2).max(dim=-1).values
    w_n = torch.sigmoid(_channel_mlp(mgca.channel_avg, avg_vec) + _channel_mlp(mgca.channel_max, max_vec))
    f_s = f_r_ca * w_n[:, :, None, None] + f_n_ca * w_r  # Eqs. (11)-(13), simultaneous updates
    return _cross_attention(mgca.fuse_attention, num_heads, feat, f_s)  # queries from F, keys/values from F_s


def _inputs(seed: int = 2):
    torch.manual_seed(seed)
    feat = torch.randn(2, 8, 5, 6)
    mask = torch.rand(2, 1, 5, 6)
    return feat, mask


@pytest.mark.parametrize('seed', [2, 3, 4])  # several inputs: both signs before each ReLU of Eq. (12)
def test_mgca_matches_the_paper_equations(seed):
    mgca = ATTENTION.build(dict(type='MGCA', dim=8, num_heads=2, bias=True, residual=False))
    _randomise(mgca)
    feat, mask = _inputs(seed)
    torch.testing.assert_close(mgca(feat, mask), _reference_mgca(mgca, 2, feat, mask), rtol=1e-4, atol=1e-5)


def test_residual_mgca_adds_the_input_to_the_reference():
    mgca = ATTENTION.build(dict(type='MGCA', dim=8, num_heads=2, bias=False))
    _randomise(mgca)
    feat, mask = _inputs()
    expected = feat + _reference_mgca(mgca, 2, feat, mask)
    torch.testing.assert_close(mgca(feat, mask), expected, rtol=1e-4, atol=1e-5)


def test_default_options_no_bias_reduction_4_and_7x7_spatial_conv():
    mgca = ATTENTION.build(dict(type='MGCA', dim=8, num_heads=2))
    assert mgca.spatial.weight.shape == (1, 2, 7, 7)
    assert mgca.channel_avg[0].weight.shape == (2, 8, 1, 1) and mgca.channel_max[2].weight.shape == (8, 2, 1, 1)
    assert mgca.rain_attention.q[0].bias is None and mgca.fuse_attention.kv[1].bias is None
    learnable = dict(mgca.named_parameters())
    for branch in ('rain_attention', 'clear_attention', 'fuse_attention'):  # α of Eq. (9) is trainable
        assert learnable[f'{branch}.temperature'].shape == (2, 1, 1)
    narrow = ATTENTION.build(dict(type='MGCA', dim=4, num_heads=1, reduction=8))
    assert narrow.channel_avg[0].out_channels == 1  # at least one hidden channel


def test_an_all_rain_mask_leaves_only_the_rain_branch_query():
    """With M̂ = 1, F_n = 0: the clear branch's queries are its projection biases only (bias=False: zero),
    so its L2-normalised query is 0 and its attention is uniform over each head's channels."""
    mgca = ATTENTION.build(dict(type='MGCA', dim=8, num_heads=2, bias=False, residual=False))
    _randomise(mgca)
    feat = _inputs()[0]
    ones = torch.ones(2, 1, 5, 6)
    torch.testing.assert_close(mgca(feat, ones), _reference_mgca(mgca, 2, feat, ones), rtol=1e-4, atol=1e-5)
