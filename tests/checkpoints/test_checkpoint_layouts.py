"""Published checkpoint layouts are unwrapped to the network's state dict (prefixes stripped)."""
import pytest
import torch

from derain_toolkit.checkpoints.layouts import CheckpointLayoutError, unwrap_layout

STATE = {'a.weight': torch.ones(2), 'b.bias': torch.zeros(1)}
OTHER = {'a.weight': torch.full((2,), 5.0), 'b.bias': torch.zeros(1)}


def _prefixed(prefix: str, state: dict) -> dict:
    return {prefix + key: value for key, value in state.items()}


@pytest.mark.parametrize('content, layout', [
    ({'params': STATE}, "BasicSR {'params': ...}"),
    ({'params_ema': STATE}, "BasicSR {'params_ema': ...}"),
    ({'params': STATE, 'params_ema': OTHER}, 'params_ema also present and ignored'),
    ({'state_dict': STATE, 'meta': {'iter': 3}, 'optimizer': {}}, "{'state_dict': ...}"),
    ({'state_dict': _prefixed('module.', STATE), 'epoch': 1}, "'module.' prefix stripped"),
    ({'state_dict': _prefixed('net.', STATE), 'pytorch-lightning_version': '2.0'}, 'PyTorch Lightning'),
    (STATE, 'plain state dict'),
    (_prefixed('module.', STATE), "plain state dict, 'module.' prefix stripped"),
])
def test_each_layout_gives_the_network_state(content, layout):
    unwrapped = unwrap_layout(content, 'x.pth')
    assert unwrapped.state.keys() == STATE.keys()
    assert all(torch.equal(unwrapped.state[key], STATE[key]) for key in STATE)  # params, not params_ema
    assert layout in unwrapped.layout


def test_a_prefix_on_some_keys_only_is_kept():
    state = {'module.a.weight': torch.ones(1), 'b.bias': torch.ones(1)}
    assert unwrap_layout(state, 'x.pth').state.keys() == state.keys()


@pytest.mark.parametrize('content', [[1, 2], {'epoch': 3, 'hyper_parameters': {}}, {'params': {'a': 1}}, {}])
def test_unknown_layouts_name_the_file_and_what_was_found(content):
    with pytest.raises(CheckpointLayoutError, match='odd.pth'):
        unwrap_layout(content, 'odd.pth')
