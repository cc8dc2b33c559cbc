import argparse

import pytest
import torch

from derain_toolkit.engine import options
from derain_toolkit.engine.options import resolve_device, tool_device, tool_parser

TOOLS_AND_THEIR_SHARED_OPTIONS = {
    'train': {'device', 'precision', 'cfg_options', 'launcher'},
    'test': {'device', 'precision', 'cfg_options'},
    'derain': {'device', 'precision', 'cfg_options'},
    'complexity': {'device', 'cfg_options'},
    'clip_perception': {'device', 'cfg_options'},
    'reproduce': {'device'},
    'train_daclip': {'device', 'precision', 'cfg_options', 'launcher'},
}
SHARED_DEFAULTS = dict(device='auto', precision='auto', cfg_options={}, launcher='none')


@pytest.mark.parametrize('cuda', [False, True])
def test_resolve_device_resolves_auto_and_refuses_what_cannot_run(monkeypatch, cuda):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda)
    assert resolve_device('auto') == resolve_device(None) == torch.device('cuda' if cuda else 'cpu')
    assert resolve_device('cpu') == torch.device('cpu')
    if cuda:
        assert resolve_device('cuda:1') == torch.device('cuda', 1)
        with pytest.raises(RuntimeError, match="CUDA_VISIBLE_DEVICES=''"):
            tool_device('cpu')  # mmengine would still run on the GPU
        assert tool_device('auto') == 'cuda'
    else:
        with pytest.raises(RuntimeError, match='no CUDA device'):
            resolve_device('cuda')
        assert tool_device('cpu') == tool_device('auto') == 'cpu'
    for wrong in ('tpu', 'meta'):
        with pytest.raises(ValueError, match="'auto', 'cpu', 'cuda'"):
            resolve_device(wrong)


def test_tool_parser_declares_each_shared_option_once_with_its_default():
    parser = tool_parser('x', 'device', 'precision', 'cfg_options', 'launcher')
    assert vars(parser.parse_args([])) == SHARED_DEFAULTS
    args = parser.parse_args(['--device', 'cpu', '--cfg-options', 'a.b=3', '--precision', 'bf16'])
    assert (args.device, args.cfg_options, args.precision) == ('cpu', {'a.b': 3}, 'bf16')
    with pytest.raises(SystemExit):
        parser.parse_args(['--device', 'tpu'])
    with pytest.raises(ValueError, match='unknown shared option'):
        tool_parser('x', 'devices')


@pytest.mark.parametrize('name', sorted(TOOLS_AND_THEIR_SHARED_OPTIONS))
def test_every_tool_takes_its_shared_options_from_the_one_parser(name, load_tool, monkeypatch):
    """Each tool's parser holds the shared options with the shared defaults and no own copy of them."""
    made = []
    real = options.tool_parser

    def recording(*args, **kwargs) -> argparse.ArgumentParser:
        made.append(set(args[1:]))
        return real(*args, **kwargs)

    monkeypatch.setattr(options, 'tool_parser', recording)
    tool = load_tool(name)
    parser_calls = []
    monkeypatch.setattr(argparse.ArgumentParser, 'parse_args',
                        lambda self, argv=None, namespace=None: parser_calls.append(self) or argparse.Namespace())
    tool.parse_args([])
    assert made == [TOOLS_AND_THEIR_SHARED_OPTIONS[name]]
    flags = [flag for action in parser_calls[0]._actions for flag in action.option_strings]
    assert len(flags) == len(set(flags))
    defaults = {action.dest: action.default for action in parser_calls[0]._actions}
    for option in TOOLS_AND_THEIR_SHARED_OPTIONS[name]:
        assert defaults[option] == SHARED_DEFAULTS[option]
