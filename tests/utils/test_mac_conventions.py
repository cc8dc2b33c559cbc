"""MAC conventions: nn.MultiheadAttention in closed form (fused or not), every route of CLIP-RPN, thop's rules,
and Table 4's baselines counted as the official code and thop count them."""
import pytest
import torch
from torch import nn

from derain_toolkit import build_model, load_config
from derain_toolkit.models.layers.open_clip_loader import TINY_CLIP
from derain_toolkit.utils.complexity import complexity_of, count_macs, every_route, thop_profile


@pytest.fixture(autouse=True)
def one_cpu_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize('training', [True, False])  # eval: PyTorch's fused kernel, unseen by the FLOP counter
def test_multihead_attention_counts_its_closed_form_fused_or_not(training):
    embed, heads, batch, queries, keys, kdim, vdim = 16, 2, 3, 5, 7, 6, 10
    attention = nn.MultiheadAttention(embed, heads, kdim=kdim, vdim=vdim, batch_first=True).train(training)
    q, k, v = torch.rand(batch, queries, embed), torch.rand(batch, keys, kdim), torch.rand(batch, keys, vdim)
    macs = count_macs(attention, q, key=k, value=v)
    # projections q, k, v, out; then q k^T and a v (the heads split the width, so they drop out)
    projections = batch * (queries * embed * embed + keys * kdim * embed + keys * vdim * embed
                           + queries * embed * embed)
    assert macs['linear'] == projections
    assert macs['attention'] == 2 * batch * queries * keys * embed
    assert macs['total'] == projections + 2 * batch * queries * keys * embed


def test_a_vit_counts_patches_attention_and_mlp():
    import open_clip
    vision = TINY_CLIP['vision_cfg']
    visual = open_clip.CLIP(embed_dim=TINY_CLIP['embed_dim'], vision_cfg=vision, text_cfg=TINY_CLIP['text_cfg']).visual
    width, patch, size = vision['width'], vision['patch_size'], vision['image_size']
    tokens = (size // patch) ** 2 + 1  # patches + class token
    expected = ((size // patch) ** 2 * width * 3 * patch * patch  # patch embedding (a convolution)
                + vision['layers'] * (tokens * (4 * width * width + 2 * tokens * width)  # attention
                                      + 2 * tokens * width * 4 * width)  # MLP (ratio 4)
                + width * TINY_CLIP['embed_dim'])  # projection of the class token
    assert count_macs(visual.eval(), torch.rand(1, 3, size, size))['total'] == expected


def test_every_route_counts_the_router_once_and_each_route():
    model = build_model('configs/clip_rpn_tiny_synthetic.py').eval()
    x = torch.rand(1, 3, 32, 32)
    routed = model.backbone
    router = count_macs(routed.router, x)['total']
    one_route = count_macs(model, x)['total'] - router  # the model runs the router and one route
    all_routes = count_macs(every_route(model), x)['total']
    assert routed.num_branches == 2 and one_route > 0
    assert all_routes == pytest.approx(router + routed.num_branches * one_route)
    assert routed.route_cache is None  # restored
    assert every_route(build_model('configs/restormer_tiny_synthetic.py')) is None


class _Block(nn.Module):
    def __init__(self, act: nn.Module) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.act = act
        self.scale = nn.Parameter(torch.ones(1))  # a bare parameter: thop does not see it

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x)) * self.scale


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        shared = nn.PReLU()
        self.blocks = nn.ModuleList(_Block(shared) for _ in range(3))
        self.head = nn.Conv2d(4, 4, 1)
        self.unused = nn.Conv2d(4, 4, 1)  # never called: thop counts neither its MACs nor its parameters

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return self.head(x)


def test_thop_convention_skips_bare_parameters_and_counts_a_shared_module_once_per_parent():
    model = _Net()
    macs, params = thop_profile(model, (torch.rand(1, 4, 8, 8),))
    convs = 3 * 64 * 4 * 4 * 9 + 64 * 4 * 4
    # thop hooks the shared PReLU once per parent (Module.apply reaches it 3 times), so each of its
    # 3 calls adds 3 x numel, and each of the 3 parents adds that sum again: 27 x 256 instead of
    # 3 x 256 (MPRNet's 548.65 G against 140.98 G, in small).
    assert macs == convs + 3 * 3 * 3 * 256
    # convs + 1x1 conv with bias + the PReLU's 1 parameter once per parent; no scales, nothing unused
    assert params == 3 * 4 * 4 * 9 + (4 * 4 + 4) + 3
    assert sum(p.numel() for p in model.parameters()) == params - 2 + 3 + (4 * 4 + 4)
    assert not hasattr(model.head, 'total_ops')  # thop profiled a copy: the model is untouched


# Counts of the official networks at 1x3x256x256 (issue 13, measured on the official code with
# thop 0.1.1): every parameter, thop's parameters (Table 4's Param), conv + linear MACs, thop's MACs
# (Table 4's MACs, but DRSformer: Table 4 prints 220.38). Totals also in the fixtures README.
OFFICIAL_COUNTS = {
    'drsformer': (33_655_424, 33.63, 220.33, 220.37),
    'promptir': (35_592_263, 32.97, 158.14, 158.14),
    'prenet': (168_963, 0.17, 66.25, 66.25),
    'mprnet': (3_637_249, 3.64, 140.98, 548.65),
}


@pytest.mark.parametrize('name', sorted(OFFICIAL_COUNTS))
def test_table4_counts_each_baseline_as_the_official_code_and_thop(name):
    """Full-size, on the meta device: 1-6 s per model on a shared 2-core CPU (DRSformer the slowest)."""
    total, thop_params, macs, thop_macs = OFFICIAL_COUNTS[name]
    counted = complexity_of(load_config(f'configs/{name}_mixed.py'), (1, 3, 256, 256), repeats=0)
    assert counted['on'] == 'meta' and counted['Param (M)'] * 1e6 == pytest.approx(total, abs=0.5)
    assert round(counted['Param thop (M)'], 2) == thop_params
    assert round(counted['MACs (G)'], 2) == macs
    assert round(counted['MACs thop (G)'], 2) == thop_macs
