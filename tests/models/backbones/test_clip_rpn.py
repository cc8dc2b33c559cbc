"""CLIPRPN network: grouped routing equals per-sample runs, masks per level, route cache, baseline."""
import json
import warnings

import pytest
import torch

from derain_toolkit.registry import BACKBONES

TINY_UNET = dict(type='RestormerUNet', dim=8, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1, heads=(1, 1, 2, 2))
CLIP_ROUTER = dict(type='CLIPRouter', pretrained=None, allow_random_init=True, model_cfg='tiny', prompts='set1')


def _build(**overrides):
    torch.manual_seed(0)
    cfg = dict(type='CLIPRPN', backbone=TINY_UNET, router=CLIP_ROUTER, mgca=dict(type='MGCA'))
    cfg.update(overrides)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return BACKBONES.build(cfg)


@pytest.fixture(scope='module')
def network():
    return _build().eval()


def test_outputs_and_one_branch_per_route_and_level(network):
    assert len(network.branches) == 3 and all(len(levels) == 3 for levels in network.branches)
    out = network(torch.rand(2, 3, 20, 28))  # padded to 24x32 inside
    assert out['pred'].shape == (2, 3, 20, 28)
    assert [tuple(m.shape) for m in out['masks']] == [(2, 1, 3, 4), (2, 1, 6, 8), (2, 1, 12, 16)]
    assert out['routes'].shape == (2,)


def test_grouped_routing_equals_running_each_sample_alone(network, monkeypatch):
    torch.manual_seed(1)
    x = torch.rand(5, 3, 16, 16)
    routes = torch.tensor([2, 0, 2, 1, 0])
    chosen = {'routes': routes}
    monkeypatch.setattr(network, 'routes', lambda inputs, keys=None: chosen['routes'])
    with torch.no_grad():
        batch = network(x)
        assert batch['routes'].tolist() == routes.tolist()
        for current in range(5):
            chosen['routes'] = routes[current:current + 1]
            alone = network(x[current:current + 1])
            torch.testing.assert_close(batch['pred'][current:current + 1], alone['pred'], rtol=1e-5, atol=1e-5)
            for level_batch, level_alone in zip(batch['masks'], alone['masks']):
                torch.testing.assert_close(level_batch[current:current + 1], level_alone, rtol=1e-5, atol=1e-5)


def test_only_the_routed_branch_gets_gradients():
    network = _build()
    network.routes = lambda inputs, keys=None: torch.tensor([1, 1])
    network(torch.rand(2, 3, 16, 16))['pred'].mean().backward()
    grads = [sum(p.grad.abs().sum().item() for p in branch.parameters() if p.grad is not None)
             for branch in network.branches]
    assert grads[1] > 0 and grads[0] == 0 and grads[2] == 0
    assert all(p.grad is not None for p in network.mask_heads.parameters())


def test_route_cache_overrides_live_routing_for_known_keys(tmp_path):
    cache = tmp_path / 'routes.json'
    cache.write_text(json.dumps(dict(prompts=[], routes={'a': 2, 'b': 0})))
    network = _build(route_cache=str(cache))
    x = torch.rand(3, 3, 16, 16)
    live = network.router(x)
    assert network.routes(x, ['a', 'b', 'unknown']).tolist() == [2, 0, live[2].item()]
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(routes={'a': 7})))
    with pytest.raises(ValueError, match='regenerate'):
        _build(route_cache=str(bad))
    other = tmp_path / 'other.json'
    other.write_text(json.dumps(dict(prompts=['a', 'b', 'c'], routes={'a': 1})))
    with pytest.raises(ValueError, match='other prompts'):
        _build(route_cache=str(other))


def test_without_rpn_and_mgca_is_the_restormer_baseline():
    network = _build(router=dict(type='NoRouter'), mgca=None)
    torch.manual_seed(0)
    baseline = BACKBONES.build(TINY_UNET)
    baseline.load_state_dict(network.backbone.state_dict())
    x = torch.rand(2, 3, 16, 16)
    out = network(x)
    assert out['masks'] == [] and out['routes'].tolist() == [0, 0]
    torch.testing.assert_close(out['pred'], baseline(x))


def test_without_mgca_plain_attention_branches_are_per_route():
    network = _build(mgca=None, plain_attention=dict(type='MDTA'))
    assert network.mask_heads is None and len(network.branches) == 3
    assert network(torch.rand(1, 3, 16, 16))['pred'].shape == (1, 3, 16, 16)


def test_masks_are_probabilities_of_the_logits_the_loss_reads(network):
    out = network(torch.rand(1, 3, 16, 16))
    assert out['pad_multiple'] == network.backbone.pad_multiple == 8
    for mask, logits in zip(out['masks'], out['mask_logits']):
        assert mask.dtype == torch.float32
        torch.testing.assert_close(mask, torch.sigmoid(logits))


def test_mask_and_target_cells_align_with_the_padded_feature_grid():
    """13x11 is padded to 16x16: a single bright pixel at (12, 10) lies in feature cell
    (12 // s, 10 // s) at stride s; both the predicted mask and the loss target peak there."""
    from derain_toolkit.models.losses.mask_bce import RainMaskBCELoss
    network = _build().eval()
    network.routes = lambda inputs, keys=None: torch.zeros(inputs.shape[0], dtype=torch.long)
    with torch.no_grad():
        for head in network.mask_heads:  # logit = GELU(red) at the cell
            for conv in (head.body[0], head.body[2]):
                conv.weight.zero_()
                conv.bias.zero_()
            head.body[0].weight[0, 0, 1, 1] = 1.0
            head.body[2].weight[0, 0] = 1.0
    gt = torch.zeros(1, 3, 13, 11)
    image = gt.clone()
    image[0, :, 12, 10] = 1.0
    with torch.no_grad():
        out = network(image)
    sizes = [tuple(m.shape[-2:]) for m in out['mask_logits']]
    assert sizes == [(2, 2), (4, 4), (8, 8)]
    targets = RainMaskBCELoss().level_targets(sizes, out['pad_multiple'], image, gt)

    def peak(grid: torch.Tensor) -> tuple[int, int]:
        index = grid[0, 0].argmax().item()
        return divmod(index, grid.shape[-1])

    for stride, logits, target in zip((8, 4, 2), out['mask_logits'], targets):
        assert peak(logits) == peak(target) == (12 // stride, 10 // stride)
