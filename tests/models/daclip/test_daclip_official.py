"""DACLIP against the official DaCLIP (tests/fixtures/official/daclip_controller_tiny*.{pth,pt}).

The tiny official checkpoint, loaded through ``controller_checkpoint`` in each of its three
official forms, reproduces every official output: ``encode_image`` with control (plain and
normalised), without control, the controller's pooled output and per-block hidden controls,
``encode_text`` and ``forward`` (float32 at the README's atol 2e-5, float64 at 1e-10). The
full-size ViT-B-32 DA-CLIP is checked on the meta device: its keys and shapes are the official
list (``daclip_controller_full_keys.json``), its unique parameter count the official one, and a
state dict of that layout loads.
"""
import json
from pathlib import Path

import open_clip
import pytest
import torch
from torch import nn

from derain_toolkit.checkpoints.frozen import drop_frozen_weights
from derain_toolkit.models.daclip.controller import visual_control_forward
from derain_toolkit.models.daclip.daclip_model import DACLIP

FIXTURES = Path(__file__).resolve().parents[2] / 'fixtures' / 'official'
CHECKPOINT = FIXTURES / 'daclip_controller_tiny.pth'
TINY_CFG = {'embed_dim': 32,
            'vision_cfg': {'image_size': 32, 'layers': 2, 'width': 32, 'head_width': 16, 'patch_size': 8},
            'text_cfg': {'context_length': 16, 'vocab_size': 128, 'width': 32, 'heads': 2, 'layers': 2},
            'custom_text': True}
TOLERANCE = {torch.float32: 2e-5, torch.float64: 1e-10}


@pytest.fixture(scope='module')
def official() -> dict:
    return torch.load(FIXTURES / 'daclip_controller_tiny_io.pt', weights_only=True)


def _tiny(checkpoint) -> DACLIP:
    return DACLIP('daclip_tiny', pretrained=None, model_cfg=TINY_CFG, controller_checkpoint=str(checkpoint))


@pytest.fixture(scope='module')
def model() -> DACLIP:
    return _tiny(CHECKPOINT).eval()


def _outputs(model: DACLIP, image: torch.Tensor, text: torch.Tensor, text_pair: torch.Tensor) -> dict:
    content, degradation = model.encode_image(image, control=True)
    content_n, degradation_n = model.encode_image(image, control=True, normalize=True)
    pooled, hiddens = visual_control_forward(model.visual_control, image)
    batch_first = model.visual_control.transformer.transformer.batch_first
    out = {'encode_image_control/image_features': content, 'encode_image_control/degra_features': degradation,
           'encode_image_control_normalize/image_features': content_n,
           'encode_image_control_normalize/degra_features': degradation_n,
           'encode_image_plain': model.encode_image(image), 'visual_control/pooled': pooled,
           'encode_text': model.encode_text(text)}
    for i, hidden in enumerate(hiddens):
        out[f'visual_control/hidden{i}'] = hidden.transpose(0, 1) if batch_first else hidden  # official LND
    out.update({f'forward/{k}': v for k, v in model(image, text_pair).items()})
    return out


def _assert_equal_to_official(model: DACLIP, official: dict, dtype: torch.dtype) -> None:
    suffix = '' if dtype == torch.float32 else '_f64'
    image = official['image'].to(dtype)
    with torch.no_grad():
        got = _outputs(model, image, official['text'], official['text_pair'])
    assert len(got) == 14
    for name, value in got.items():
        want = official[name + suffix]
        assert value.dtype == want.dtype, name
        torch.testing.assert_close(value, want, rtol=0, atol=TOLERANCE[dtype], msg=lambda m, n=name: f'{n}: {m}')


def test_tiny_official_checkpoint_reproduces_official_outputs(model, official):
    _assert_equal_to_official(model, official, torch.float32)


def test_tiny_official_checkpoint_reproduces_official_outputs_in_float64(official):
    model = _tiny(CHECKPOINT).double().eval()
    _assert_equal_to_official(model, official, torch.float64)


@pytest.mark.parametrize('form', ['state_dict', 'module'])
def test_other_official_checkpoint_forms_load_the_same(model, official, tmp_path, form):
    state = torch.load(CHECKPOINT, weights_only=True)
    if form == 'state_dict':
        state = {'epoch': 1, 'name': 'daclip', 'state_dict': state}
    else:
        state = {f'module.{k}': v for k, v in state.items()}
    path = tmp_path / f'{form}.pt'
    torch.save(state, path)
    other = _tiny(path)
    for key, value in model.state_dict().items():
        assert torch.equal(other.state_dict()[key], value), key


def test_zero_modules_are_linear_with_bias_and_start_at_zero():
    with pytest.warns(UserWarning):
        fresh = DACLIP('daclip_tiny', pretrained=None, allow_random_init=True, model_cfg=TINY_CFG, warn_untrained=False)
    zero = fresh.visual_control.transformer.zero_modules
    assert len(zero) == 2 and all(m.bias is not None and m.weight.shape == (32, 32) for m in zero)
    assert all(not m.weight.any() and not m.bias.any() for m in zero)
    pixels = torch.randn(2, 3, 32, 32)
    content, _ = fresh.encode_image(pixels, control=True)
    torch.testing.assert_close(content, fresh.encode_image(pixels))


def test_missing_checkpoint_names_file_and_fix(tmp_path):
    missing = tmp_path / 'daclip_ViT-B-32.pt'
    with pytest.raises(FileNotFoundError, match=r'daclip_ViT-B-32\.pt.*model\.generator\.daclip\.controller_checkpoint'):
        _tiny(missing)
    problems = DACLIP.preflight(dict(controller_checkpoint=str(missing)))
    assert len(problems) == 1 and str(missing) in problems[0]


def test_checkpoint_of_another_clip_is_refused(tmp_path):
    wider = dict(TINY_CFG, vision_cfg=dict(TINY_CFG['vision_cfg'], width=48))
    with pytest.raises(RuntimeError, match=r"daclip_controller_tiny\.pth.*of another shape.*clip_model='ViT-B-32'"):
        DACLIP('daclip_tiny', pretrained=None, model_cfg=wider, controller_checkpoint=str(CHECKPOINT))


def test_full_size_keys_shapes_and_count_equal_official():
    """ViT-B-32 DA-CLIP built on the meta device: the official keys and shapes, 246,213,634 parameters.

    Built from the official daclip_ViT-B-32.json (``model_cfg``: open_clip.create_model moves the
    model to a device, which the meta device refuses), which is open_clip's ViT-B-32 config.
    """
    official = json.loads((FIXTURES / 'daclip_controller_full_keys.json').read_text())
    keys, config = official['keys'], official['constructor']
    assert open_clip.get_model_config('ViT-B-32') == {k: v for k, v in config.items() if k != 'custom_text'}
    with torch.device('meta'), pytest.warns(UserWarning, match='randomly initialised'):
        full = DACLIP('ViT-B-32', pretrained=None, allow_random_init=True, model_cfg=config, warn_untrained=False)
    own = {k: list(v.shape) for k, v in full.state_dict().items()}
    aliases = {k for k in keys if k.startswith('visual.')}
    assert all(keys[k] == keys['clip.' + k] for k in aliases)
    assert own == {k: v for k, v in keys.items() if k not in aliases}
    assert sum(p.numel() for p in full.parameters()) == official['num_params'] == 246_213_634
    state = {k: torch.empty(shape, device='meta') for k, shape in keys.items()}
    full._load_official(state, 'daclip_ViT-B-32.pt', 'ViT-B-32', None)
    state.pop('visual_control.transformer.zero_modules.11.bias')
    with pytest.raises(RuntimeError, match=r'1 missing keys \[.visual_control\.transformer\.zero_modules\.11\.bias'):
        full._load_official(state, 'daclip_ViT-B-32.pt', 'ViT-B-32', None)



def test_released_file_makes_a_frozen_daclip_leave_training_checkpoints():
    """Guidance DA-CLIP loaded from its released file is rebuilt from it: checkpoints omit it."""
    guided = nn.ModuleDict(dict(daclip=_tiny(CHECKPOINT), net=nn.Linear(2, 2)))
    assert drop_frozen_weights(guided, guided.state_dict()) == {}  # its controller trains: it is saved
    guided['daclip'].requires_grad_(False)  # as IRSDEGenerator holds it
    state = guided.state_dict()
    assert drop_frozen_weights(guided, state) == {'daclip': f'DA-CLIP checkpoint {str(CHECKPOINT)!r}'}
    assert sorted(state) == ['net.bias', 'net.weight']
