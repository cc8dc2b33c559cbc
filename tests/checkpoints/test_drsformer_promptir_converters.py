"""The DRSformer and PromptIR converters: registered under the release names the model configs
give, and a KeyError that names every official key they cannot map.

Their key mapping itself is checked end to end in tests/models/backbones/test_drsformer.py and
test_promptir.py (official weights -> official outputs, full-size key sets).
"""
from pathlib import Path

import pytest
import torch

from derain_toolkit import load_config
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / 'tests' / 'fixtures' / 'official'


@pytest.fixture(scope='module')
def drsformer_state() -> dict:
    return torch.load(FIXTURES / 'drsformer_tiny.pth', weights_only=True)['params']


@pytest.mark.parametrize('name', ['drsformer', 'promptir'])
def test_model_configs_name_their_registered_converter(name):
    for config in [f'_base_/models/{name}.py', f'{name}_mixed.py', f'{name}_tiny_synthetic.py']:
        assert load_config(ROOT / 'configs' / config).checkpoint_converter == name
    assert callable(CHECKPOINT_CONVERTERS.get(name))


def test_drsformer_error_names_every_unmappable_key(drsformer_state):
    state = dict(drsformer_state, **{'skip_conv.weight': torch.zeros(1), 'latent.0.attn.attn5': torch.zeros(1),
                                     'encoder_level0.layers.2.ca_fc.0.weight': torch.zeros(1)})
    with pytest.raises(KeyError) as error:
        CHECKPOINT_CONVERTERS.get('drsformer')(state)
    message = str(error.value)
    assert '3 keys' in message
    assert all(key in message for key in ('skip_conv.weight', 'latent.0.attn.attn5', 'encoder_level0.layers.2.'))


def test_drsformer_block_missing_a_topk_weight_is_reported(drsformer_state):
    state = {key: value for key, value in drsformer_state.items() if key != 'latent.0.attn.attn3'}
    with pytest.raises(KeyError, match=r"latent\.0\.attn\.attn1.*latent\.0\.attn\.attn2.*latent\.0\.attn\.attn4"):
        CHECKPOINT_CONVERTERS.get('drsformer')(state)


def test_drsformer_topk_weights_are_stacked_in_order(drsformer_state):
    converted = CHECKPOINT_CONVERTERS.get('drsformer')(drsformer_state)
    expected = torch.cat([drsformer_state[f'decoder_level2.0.attn.attn{i}'] for i in (1, 2, 3, 4)])
    assert torch.equal(converted['decoders.1.0.attn.branch_weights'], expected)


def test_promptir_error_names_keys_still_wrapped_by_lightning():
    state = {'net.patch_embed.proj.weight': torch.zeros(1), 'patch_embed.proj.weight': torch.zeros(1),
             'prompt4.prompt_param': torch.zeros(1)}
    with pytest.raises(KeyError) as error:
        CHECKPOINT_CONVERTERS.get('promptir')(state)
    message = str(error.value)
    assert '2 keys' in message and 'net.patch_embed.proj.weight' in message and 'prompt4.prompt_param' in message
