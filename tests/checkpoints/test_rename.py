import re

import pytest
import torch

from derain_toolkit.checkpoints.converters._rename import first_match, rename_state
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

PATTERNS = (
    (re.compile(r'a\.(\d+)'), lambda m: f'first.{int(m[1]) + 1}'),
    (re.compile(r'a\.(\d+)|b\.(\d+)'), r'second.\1\2'),
)


def test_first_match_takes_the_first_whole_match_and_expands_templates():
    assert first_match(PATTERNS, 'a.1') == 'first.2'  # both match: the first wins
    assert first_match(PATTERNS, 'b.7') == 'second.7'  # a template string, expanded
    assert first_match(PATTERNS, 'a.1.weight') is None  # only whole keys match
    assert first_match((), 'a.1') is None


def test_rename_state_names_every_unmapped_key():
    state = dict(x=torch.zeros(1), y=torch.ones(1), z=torch.ones(2))
    assert list(rename_state(dict(x=state['x']), str.upper, 'Net')) == ['X']
    with pytest.raises(KeyError, match=r"2 keys.*official Net: \['y', 'z'\].*checkpoint_converter"):
        rename_state(state, lambda key: 'X' if key == 'x' else None, 'Net')


@pytest.mark.parametrize('release', ['mprnet', 'prenet', 'restormer', 'irsde_unet', 'daclip_unet', 'promptir', 'drsformer'])
def test_every_converter_reports_unknown_keys_through_the_one_strict_rename(release):
    with pytest.raises(KeyError, match=r"1 keys of the checkpoint are not keys of the official .*\['nonsense'\]"
                                       r".*checkpoint_converter"):
        CHECKPOINT_CONVERTERS.get(release)({'nonsense': torch.zeros(1)})
