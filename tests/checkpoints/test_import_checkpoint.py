"""Official tiny Restormer checkpoint -> toolkit model through load_model reproduces the official
outputs (fixtures README, section restormer); anything that does not fit is an error naming the keys."""
from pathlib import Path

import pytest
import torch

from derain_toolkit import build_model, load_config
from derain_toolkit.checkpoints.import_checkpoint import CheckpointMismatchError, import_state
from derain_toolkit.inference import load_model


REPO = Path(__file__).resolve().parents[2]
RESTORMER_TINY = REPO / 'tests' / 'fixtures' / 'official' / 'restormer_tiny.pth'
ATOL = {torch.float32: 2e-6, torch.float64: 1e-10}  # fixtures README, restormer row


def _assert_official_outputs(network: torch.nn.Module, io: dict, dtype: torch.dtype = torch.float32) -> None:
    suffix = '_f64' if dtype == torch.float64 else ''
    network = network.to(dtype)
    with torch.no_grad():
        for case in ('A', 'B'):  # B: 21x19, padded by the network to 24x24 and cropped, as Deraining/test.py does
            out = network(io[f'{case}/x'].to(dtype))
            torch.testing.assert_close(out, io[f'{case}/out{suffix}'], rtol=0, atol=ATOL[dtype])


def test_official_file_through_load_model_gives_official_outputs(tiny_restormer_config, restormer_io):
    model = load_model(tiny_restormer_config, RESTORMER_TINY, device='cpu')
    _assert_official_outputs(model.backbone, restormer_io)
    _assert_official_outputs(model.backbone, restormer_io, torch.float64)


@pytest.mark.parametrize('wrap', [
    lambda sd: {'params': sd, 'params_ema': {k: v + 1 for k, v in sd.items()}},
    lambda sd: {f'module.{k}': v for k, v in sd.items()},
    lambda sd: {'state_dict': {f'net.{k}': v for k, v in sd.items()}, 'pytorch-lightning_version': '2.1'},
], ids=['params_preferred_to_ema', 'plain_module_prefix', 'lightning'])
def test_other_layouts_of_the_same_weights(tiny_restormer_config, official_restormer_state, restormer_io,
                                           tmp_path, wrap):
    path = tmp_path / 'official.pth'
    torch.save(wrap(official_restormer_state), path)
    _assert_official_outputs(load_model(tiny_restormer_config, path, device='cpu').backbone, restormer_io)


def _import(config: str, state: dict, name: str = 'deraining.pth'):
    model = build_model(config)
    return import_state(model, {'params': state}, name, load_config(config).get('checkpoint_converter'))


def test_unmappable_key_is_named_with_the_file(tiny_restormer_config, official_restormer_state):
    state = dict(official_restormer_state, **{'skip_conv.weight': torch.zeros(8, 4, 1, 1)})
    with pytest.raises(CheckpointMismatchError, match=r"deraining\.pth.*skip_conv\.weight"):
        _import(tiny_restormer_config, state)


def test_missing_key_is_named(tiny_restormer_config, official_restormer_state):
    state = {k: v for k, v in official_restormer_state.items() if k != 'reduce_chan_level2.weight'}
    with pytest.raises(CheckpointMismatchError, match=r"1 keys of the model missing.*backbone\.reduces\.1\.weight"):
        _import(tiny_restormer_config, state)


def test_shape_mismatch_is_named(tiny_restormer_config, official_restormer_state):
    state = dict(official_restormer_state, **{'output.weight': torch.zeros(3, 8, 5, 5)})
    with pytest.raises(CheckpointMismatchError, match=r"1 shapes differ.*backbone\.output\.weight: file \(3, 8, 5, 5\), "
                                                      r"model \(3, 8, 3, 3\)"):
        _import(tiny_restormer_config, state)


def test_network_of_another_width_is_refused(tmp_path, tiny_restormer_config, official_restormer_state):
    wider = tmp_path / 'wider.py'
    wider.write_text(f"_base_ = [{tiny_restormer_config!r}]\nmodel = dict(backbone=dict(dim=8))\n")
    with pytest.raises(CheckpointMismatchError, match=r"90 shapes differ.*constructor arguments"):
        _import(str(wider), official_restormer_state)


@pytest.mark.parametrize('config', ['ddsa_tiny_synthetic', 'clip_rpn_tiny_synthetic'])
def test_configs_that_are_not_the_official_network_refuse_it(config, official_restormer_state):
    """DDSA and CLIP-RPN inherit the Restormer base but are not Restormer: a clear error, no partial load."""
    path = str(REPO / 'configs' / f'{config}.py')
    assert load_config(path).checkpoint_converter is None
    with pytest.raises(CheckpointMismatchError, match=r"does not fit the model of the config.*checkpoint_converter"):
        _import(path, official_restormer_state)


def test_toolkit_checkpoints_load_as_before(tiny_restormer_config, tmp_path, restormer_io):
    official = load_model(tiny_restormer_config, RESTORMER_TINY, device='cpu')
    for content in (dict(meta=dict(iter=1), state_dict=official.state_dict()), official.backbone.state_dict()):
        torch.save(content, tmp_path / 'toolkit.pth')
        _assert_official_outputs(load_model(tiny_restormer_config, tmp_path / 'toolkit.pth', 'cpu').backbone,
                                 restormer_io)
