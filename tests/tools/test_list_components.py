"""tools/list_components.py lists every registered part by kind."""
import pytest

from derain_toolkit.registry import PART_REGISTRIES


def test_prints_every_kind_with_its_parts(load_tool, capsys):
    load_tool('list_components').main([])
    printed = capsys.readouterr().out
    for kind, registry in PART_REGISTRIES.items():
        assert f'{kind} ({len(registry.module_dict)}):' in printed
    for part in ('RestormerUNet', 'MDTA', 'GDFN', 'L1Loss', 'DLSLoss', 'SyntheticRainDataset', 'PSNRMetric',
                 'TrainingProgressHook', 'NaNGuardHook', 'AtomicCheckpointHook', 'PosteriorSampler',
                 'EulerMaruyamaSampler', 'MRSampler'):
        assert f'  {part}\n' in printed


def test_one_kind_and_unknown_kinds(load_tool, capsys):
    tool = load_tool('list_components')
    tool.main(['hooks'])
    printed = capsys.readouterr().out
    assert printed.startswith('hooks (') and 'backbones' not in printed
    with pytest.raises(SystemExit, match='unknown kind'):
        tool.main(['widgets'])
