"""Official IR-SDE / DA-CLIP U-Net checkpoints through the converters into the paper configs' U-Nets.

Golden fixtures (``tests/fixtures/official/README.md``, sections ``irsde_unet`` and
``daclip_unet``): tiny official networks with randomised weights in the official checkpoint
layout and their official outputs, float32 and float64 (the toolkit copies the official
LayerNorm eps rule, so float64 runs compare with the official ``_f64`` outputs); and the
key lists, shapes and parameter counts of the full-size official networks.
"""
import json
from pathlib import Path

import pytest
import torch

from derain_toolkit import load_config
from derain_toolkit.registry import BACKBONES, CHECKPOINT_CONVERTERS

REPO = Path(__file__).resolve().parents[2]
OFFICIAL = REPO / 'tests' / 'fixtures' / 'official'
PAPER_CONFIGS = {'irsde_unet': 'irsde_rain100h.py', 'daclip_unet': 'irsde_daclip_rain100h.py'}
# The fixtures' tiny constructors in the toolkit's terms: IR-SDE ConditionalUNet(nf=4, depth=3)
# has level widths nf * 2**(i+1); DA-CLIP ConditionalUNet(nf=32, ch_mult=[1,1,1,1], context_dim=32).
TINY_SHAPES = {'irsde_unet': dict(nf=4, ch_mult=(2, 4, 8)),
               'daclip_unet': dict(nf=32, ch_mult=(1, 1, 1, 1), embed_dim=32)}
OFFICIAL_PARAMETERS = {'irsde_unet': 137_147_523, 'daclip_unet': 48_975_747}


def _paper_config(release: str):
    cfg = load_config(REPO / 'configs' / PAPER_CONFIGS[release])
    assert cfg.checkpoint_converter == release
    return cfg


def _tiny_official_net(release: str, dtype: torch.dtype) -> torch.nn.Module:
    """The paper config's U-Net at the tiny fixture's shape, loaded from the official tiny checkpoint."""
    cfg = _paper_config(release)
    net = BACKBONES.build(dict(cfg.model.backbone, **TINY_SHAPES[release]))
    state = torch.load(OFFICIAL / f'{release}_tiny.pth', weights_only=True)
    net.load_state_dict(CHECKPOINT_CONVERTERS.get(cfg.checkpoint_converter)(state), strict=True)
    return net.to(dtype).eval()


def _time(io: dict, case: str):
    """The case's time step as the official call passed it (a Python number or an int64 tensor)."""
    if f'{case}/t' in io:
        t = io[f'{case}/t']
        return t.item() if t.dim() == 0 else t
    return 37.0  # case C: meta['calls']['C'] is model(xt, cond, 37.0, ...)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64], ids=['f32', 'f64'])
@pytest.mark.parametrize('release', ['irsde_unet', 'daclip_unet'])
def test_tiny_official_checkpoint_reproduces_official_outputs(release, dtype):
    io = torch.load(OFFICIAL / f'{release}_tiny_io.pt', weights_only=True)
    tolerance = io['meta']['tolerance']
    atol, suffix = (tolerance['atol_f32'], '') if dtype == torch.float32 else (tolerance['atol_f64'], '_f64')
    net = _tiny_official_net(release, dtype)
    cases = sorted({key.split('/')[0] for key in io if key.endswith('/xt')})
    assert cases == (['A', 'B', 'C'] if release == 'daclip_unet' else ['A', 'B'])
    for case in cases:
        guidance = {}
        if release == 'daclip_unet':  # official text_context = degradation, image_context = content
            guidance = dict(degradation=io[f'{case}/text_context'].to(dtype),
                            content=io[f'{case}/image_context'].to(dtype))
        with torch.no_grad():
            out = net(io[f'{case}/xt'].to(dtype), io[f'{case}/cond'].to(dtype), _time(io, case), **guidance)
        expected = io[f'{case}/out{suffix}']
        assert out.dtype == dtype and out.shape == expected.shape
        torch.testing.assert_close(out, expected, atol=atol, rtol=0, msg=f'{release} case {case}')


@pytest.mark.parametrize('release', ['irsde_unet', 'daclip_unet'])
def test_full_size_paper_config_is_the_official_network(release):
    official = json.loads((OFFICIAL / f'{release}_full_keys.json').read_text())
    cfg = _paper_config(release)
    with torch.device('meta'):
        net = BACKBONES.build(cfg.model.backbone)
    state = {key: torch.empty(shape, device='meta') for key, shape in official['keys'].items()}
    converted = CHECKPOINT_CONVERTERS.get(cfg.checkpoint_converter)(state)
    ours = net.state_dict()
    assert len(converted) == len(state) == official['num_state_dict_tensors']
    assert {key: tuple(t.shape) for key, t in converted.items()} == {key: tuple(t.shape) for key, t in ours.items()}
    assert sum(p.numel() for p in net.parameters()) == official['num_params'] == OFFICIAL_PARAMETERS[release]


def test_converters_name_the_keys_they_cannot_map():
    daclip_state = torch.load(OFFICIAL / 'daclip_unet_tiny.pth', weights_only=True)
    with pytest.raises(KeyError, match=r"'prompt'.*'downs\.3\.2\.fn\.fn\.proj_in\.weight'"):
        CHECKPOINT_CONVERTERS.get('irsde_unet')(daclip_state)  # the IR-SDE U-Net has no prompt/transformer
    irsde_state = torch.load(OFFICIAL / 'irsde_unet_tiny.pth', weights_only=True)
    irsde_state['downs.0.2.fn.fn.to_qk.weight'] = irsde_state.pop('downs.0.2.fn.fn.to_qkv.weight')
    with pytest.raises(KeyError, match=r"\['downs\.0\.2\.fn\.fn\.to_qk\.weight'\]"):
        CHECKPOINT_CONVERTERS.get('daclip_unet')(irsde_state)
