"""Official Restormer keys -> RestormerUNet: the full-size paper configs have the official key set,
shapes and parameter count; every unmappable key is named."""
import json
from pathlib import Path

import pytest
import torch

from derain_toolkit import build_model
from derain_toolkit.checkpoints.converters.restormer import convert_restormer, restormer_key
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

REPO = Path(__file__).resolve().parents[2]
FULL_KEYS = json.loads((REPO / 'tests' / 'fixtures' / 'official' / 'restormer_full_keys.json').read_text())
PAPER_CONFIGS = ['restormer_rain13k', 'restormer_rain100h', 'restormer_rain100l', 'restormer_rain800',
                 'restormer_mixed']


@pytest.mark.parametrize('name', PAPER_CONFIGS)
def test_paper_config_is_the_official_network(name):
    with torch.device('meta'):
        network = build_model(str(REPO / 'configs' / f'{name}.py')).backbone
        official = {key: torch.empty(shape) for key, shape in FULL_KEYS['keys'].items()}
    ours = {key: tuple(value.shape) for key, value in network.state_dict().items()}
    converted = {key: tuple(value.shape) for key, value in convert_restormer(official).items()}
    assert converted == ours
    assert len(converted) == FULL_KEYS['num_state_dict_tensors'] == 494
    assert sum(p.numel() for p in network.parameters()) == FULL_KEYS['num_params'] == 26_126_644


def test_registered_under_the_release_name():
    assert CHECKPOINT_CONVERTERS.get('restormer') is convert_restormer


@pytest.mark.parametrize('official, ours', [
    ('patch_embed.proj.weight', 'patch_embed.weight'),
    ('encoder_level1.0.norm1.body.weight', 'encoders.0.0.norm1.weight'),
    ('encoder_level2.3.norm2.body.bias', 'encoders.1.3.norm2.bias'),
    ('encoder_level3.5.attn.qkv_dwconv.weight', 'encoders.2.5.attn.qkv_dwconv.weight'),
    ('down1_2.body.0.weight', 'downs.0.body.0.weight'),
    ('down3_4.body.0.weight', 'downs.2.body.0.weight'),
    ('latent.7.attn.temperature', 'latent.7.attn.temperature'),
    ('up4_3.body.0.weight', 'ups.2.body.0.weight'),
    ('up2_1.body.0.weight', 'ups.0.body.0.weight'),
    ('reduce_chan_level3.weight', 'reduces.2.weight'),
    ('reduce_chan_level2.weight', 'reduces.1.weight'),
    ('decoder_level3.4.ffn.project_in.weight', 'decoders.2.4.ffn.project_in.weight'),
    ('decoder_level1.2.ffn.dwconv.weight', 'decoders.0.2.ffn.dwconv.weight'),
    ('refinement.3.attn.project_out.weight', 'refinement.3.attn.project_out.weight'),
    ('output.weight', 'output.weight'),
])
def test_key_mapping_by_hand(official, ours):
    """Indices of levels and blocks within a stage (the tiny fixture has one block per stage)."""
    assert restormer_key(official) == ours


def test_every_unmappable_key_is_named():
    state = {'output.weight': torch.zeros(3, 8, 3, 3), 'skip_conv.weight': torch.zeros(8, 4, 1, 1),
             'encoder_level1.0.attn.extra.weight': torch.zeros(1), 'down2_4.body.0.weight': torch.zeros(1),
             'reduce_chan_level1.weight': torch.zeros(1)}
    with pytest.raises(KeyError) as error:
        convert_restormer(state)
    message = str(error.value)
    for key in ('skip_conv.weight', 'encoder_level1.0.attn.extra.weight', 'down2_4.body.0.weight',
                'reduce_chan_level1.weight'):
        assert key in message
    assert "'output.weight'" not in message
