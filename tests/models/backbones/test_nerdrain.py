"""NeRDRain: which layers run, gradients, any input size. (Official outputs: tests/checkpoints/test_nerdrain_converter.py.)"""
import torch
import torch.nn.functional as F

from derain_toolkit.registry import BACKBONES

TINY = dict(type='NeRDRain', dim=4, num_blocks=[1, 1, 1], heads=[1, 2, 4], inr_hidden=[8, 8])


def test_every_layer_runs_and_learns_but_the_official_never_called_reduction():
    """The official json's never_run_in_forward: reduce_chan_level1_max3 only (the converter maps it here)."""
    torch.manual_seed(0)
    net = BACKBONES.build(TINY)
    called = set()
    names = {module: name for name, module in net.named_modules()}
    handles = [m.register_forward_pre_hook(lambda m, args: called.add(names[m])) for m in net.modules()]
    out = net(torch.rand(1, 3, 32, 32))
    for handle in handles:
        handle.remove()
    leaves = {name for name, m in net.named_modules() if not list(m.children()) and list(m.parameters(False))}
    assert leaves - called == {'branches.2.unets.2.reduces.0'}
    sum(o.square().mean() for o in out['outputs'][:4] + out['outputs'][5:6]).backward()
    no_grad = {name for name, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum()}
    assert no_grad == {'branches.2.unets.2.reduces.0.weight'}


def test_any_size_is_padded_and_every_output_cropped_to_its_scale():
    torch.manual_seed(0)
    net = BACKBONES.build(TINY).eval()
    x = torch.rand(1, 3, 21, 30)
    with torch.no_grad():
        out = net(x)
        padded = net(F.pad(x, (0, 2, 0, 11), mode='reflect'))  # 32 x 32, the next multiples of 16
    assert [tuple(o.shape[-2:]) for o in out['outputs']] == [(21, 30), (10, 15), (5, 7), (10, 15), (10, 15), (5, 7),
                                                             (5, 7)]
    for ours, full, scale in zip(out['outputs'], padded['outputs'], [1, 2, 4, 2, 2, 4, 4]):
        torch.testing.assert_close(ours, full[..., :21 // scale, :30 // scale])
    assert out['pred'] is out['outputs'][0]
