"""FADformer against the official code: the tiny official checkpoint's outputs, full-size counts and keys.

Fixtures (tests/fixtures/official/README.md, section fadformer): ``fadformer_tiny.pth`` is the official
``FADBackbone`` (deng-ai-lab/FADformer 75a8835, embed_dim [4, 8, 16, 8, 4], depth [2, 1, 1, 1, 2], every
constant weight and BatchNorm statistic redrawn) in its release layout ``{'state_dict': DataParallel sd}``;
``fadformer_tiny_io.pt`` holds its float32 and float64 outputs for case A (2x3x16x16), B (21x19, the
predict scripts' reflect padding to a multiple of 4) and C (predict_with_metrics.py ``test_merge``);
``fadformer_full_keys.json`` the keys and shapes of ``FADformer()`` with ``FADformer_mini()``'s counts.
Tolerances: the README's (float32 2e-6, float64 1e-10); measured here 2.4e-7 and 2.2e-16.
"""
import json
from pathlib import Path

import pytest
import torch

from derain_toolkit import build_model, load_config
from derain_toolkit.checkpoints.import_checkpoint import load_checkpoint_file
from derain_toolkit.registry import BACKBONES, CHECKPOINT_CONVERTERS
from derain_toolkit.utils.complexity import count_parameters, count_parameters_run

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / 'tests' / 'fixtures' / 'official'
FULL_KEYS = json.loads((FIXTURES / 'fadformer_full_keys.json').read_text())
ATOL = {torch.float32: 2e-6, torch.float64: 1e-10}
SUFFIX = {torch.float32: '', torch.float64: '_f64'}


@pytest.fixture(scope='module')
def io() -> dict:
    return torch.load(FIXTURES / 'fadformer_tiny_io.pt', weights_only=True)


def _tiny_config(io: dict, tmp_path: Path) -> str:
    """A config of the tiny official constructor over the FADformer model base (test_merge, converter)."""
    constructor = io['meta']['constructor']
    assert constructor['embed_dim'][1:3] == [2 * constructor['embed_dim'][0], 4 * constructor['embed_dim'][0]]
    path = tmp_path / 'fadformer_official_tiny.py'
    path.write_text(f"_base_ = [{str(REPO / 'configs' / '_base_' / 'models' / 'fadformer.py')!r}]\n"
                    f"model = dict(backbone=dict(dim={constructor['embed_dim'][0]}, "
                    f"depths={tuple(constructor['depth'])}))\n")
    return str(path)


@pytest.fixture(scope='module', params=['module.', ''], ids=['DataParallel keys', 'plain keys'])
def tiny_model(request, io, tmp_path_factory):
    """The toolkit model of the tiny config, loaded from the release layout through the tool path."""
    tmp = tmp_path_factory.mktemp('fadformer')
    checkpoint = FIXTURES / 'fadformer_tiny.pth'
    if not request.param:  # the same weights saved from the bare network
        state = torch.load(checkpoint, weights_only=True)['state_dict']
        checkpoint = tmp / 'plain.pth'
        torch.save({'state_dict': {key.removeprefix('module.'): value for key, value in state.items()}}, checkpoint)
    config = _tiny_config(io, tmp)
    model = build_model(config)
    load_checkpoint_file(model, checkpoint, load_config(config).checkpoint_converter)
    return model.eval()


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_release_reproduces_cases_a_and_b(tiny_model, io, dtype):
    network = tiny_model.backbone.to(dtype)
    try:
        with torch.no_grad():
            for case in ('A', 'B'):  # B: 21x19, reflect-padded inside forward as the predict scripts pad
                out = network(io[f'{case}/x'].to(dtype))
                torch.testing.assert_close(out, io[f'{case}/out{SUFFIX[dtype]}'], rtol=0, atol=ATOL[dtype])
            out = network(io['B/x_padded'].to(dtype))
            torch.testing.assert_close(out, io[f'B/out_padded{SUFFIX[dtype]}'], rtol=0, atol=ATOL[dtype])
    finally:
        network.float()


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_release_reproduces_test_merge(tiny_model, io, dtype):
    """Case C: the model's test-time procedure (CornerCropMerge) is predict_with_metrics.py test_merge."""
    tiny_model.to(dtype)
    try:
        x = io['B/x'].to(dtype)
        height, width = x.shape[-2:]
        corners = [(0, 0), (height - 20, 0), (height - 20, width - 16), (0, width - 16)]  # the official order
        with torch.no_grad():
            for i, (top, left) in enumerate(corners, start=1):
                crop = tiny_model.backbone(x[..., top:top + 20, left:left + 16])
                torch.testing.assert_close(crop, io[f'C/out_crop{i}{SUFFIX[dtype]}'], rtol=0, atol=ATOL[dtype])
            merged = tiny_model(x, mode='tensor')
            predicted = tiny_model(x, dict(gt=None, meta=[{}]), mode='predict')[0]['pred']
        torch.testing.assert_close(merged, io[f'C/out_merged{SUFFIX[dtype]}'], rtol=0, atol=ATOL[dtype])
        torch.testing.assert_close(predicted, merged[0], rtol=0, atol=0)
    finally:
        tiny_model.float()


def test_full_size_counts_keys_and_shapes_equal_official():
    with torch.device('meta'):
        full = build_model(str(REPO / 'configs' / '_base_' / 'models' / 'fadformer.py')).backbone
    assert count_parameters(full) == FULL_KEYS['num_params'] == 7_435_737
    x = torch.empty(1, 3, 64, 64, device='meta')
    assert count_parameters_run(lambda: full(x), full) == FULL_KEYS['num_params_run_in_forward'] == 6_958_041
    official = {key: torch.empty(shape, device='meta') for key, shape in FULL_KEYS['keys'].items()}
    converted = CHECKPOINT_CONVERTERS.get('fadformer')(official)
    assert {k: tuple(v.shape) for k, v in converted.items()} == {k: tuple(v.shape) for k, v in full.state_dict().items()}
    assert len(converted) == FULL_KEYS['num_state_dict_tensors'] == 1892


def test_mini_counts_equal_official():
    mini = FULL_KEYS['variant_mini']
    with torch.device('meta'):
        network = BACKBONES.build(dict(type='FADformer', dim=mini['constructor']['embed_dim'][0],
                                       depths=mini['constructor']['depth']))
    x = torch.empty(1, 3, 64, 64, device='meta')
    assert count_parameters(network) == mini['num_params'] == 1_816_485
    assert count_parameters_run(lambda: network(x), network) == mini['num_params_run_in_forward'] == 1_709_733
    assert len(network.state_dict()) == mini['num_state_dict_tensors']


def test_too_small_an_image_is_refused_with_the_minimum():
    network = BACKBONES.build(dict(type='FADformer', dim=4, depths=(1, 1, 1, 1, 1))).eval()
    with pytest.raises(ValueError, match='7x20 is too small.*12x12'):
        network(torch.rand(1, 3, 7, 20))  # padded to 8x20


@pytest.mark.parametrize('depths', [(1, 1), (1, 1, 1, 1), ()])
def test_depths_must_be_odd(depths):
    with pytest.raises(ValueError, match='odd length'):
        BACKBONES.build(dict(type='FADformer', dim=4, depths=depths))


def test_a_feed_forward_without_the_prior_fits_the_block():
    """GDFN in the PGFN slot: the prior is carried unchanged, the network still trains."""
    network = BACKBONES.build(dict(type='FADformer', dim=8, depths=(1, 1, 1),
                                   ffn=dict(type='GDFN', expansion_factor=2.0, bias=True)))
    x = torch.rand(2, 3, 12, 12)
    network(x).square().mean().backward()
    assert all(p.grad is not None for name, p in network.named_parameters()
               if 'conv_mid' not in name and 'prior' not in name)
