"""MixedRainDataset: concatenation that keeps each sample's source."""
import pytest
import torch

from derain_toolkit.registry import DATASETS


def test_mixed_concatenates_and_labels_sources(make_layout):
    root_a, root_b = make_layout('rain100_train'), make_layout('input_target', numbers=(5, 6))
    mixed = DATASETS.build(dict(type='MixedRainDataset', datasets=[
        dict(type='PairedRainDataset', data_root=str(root_a), name='Rain100L'),
        dict(type='PairedRainDataset', data_root=str(root_b), name='Rain800'),
        dict(type='SyntheticRainDataset', num_samples=2, image_size=16),
    ]))
    assert len(mixed) == 7
    assert mixed.metainfo['sources'] == {'Rain100L': 3, 'Rain800': 2, 'synthetic': 2}
    sources = [mixed[i]['data_samples']['dataset'] for i in range(7)]
    assert sources == ['Rain100L'] * 3 + ['Rain800'] * 2 + ['synthetic'] * 2
    assert mixed[3]['data_samples']['key'] == 'Rain800/5'
    torch.testing.assert_close(mixed[-1]['inputs'], mixed[6]['inputs'])
    with pytest.raises(IndexError):
        mixed[7]


def test_mixed_needs_unique_names(make_layout):
    root = make_layout('rain100_train')
    cfg = dict(type='PairedRainDataset', data_root=str(root), name='same')
    with pytest.raises(ValueError, match='names must be unique'):
        DATASETS.build(dict(type='MixedRainDataset', datasets=[cfg, cfg]))
    mixed = DATASETS.build(dict(type='MixedRainDataset', datasets=[cfg, cfg], names=['a', 'b']))
    assert mixed[4]['data_samples']['dataset'] == 'b'


def test_mixed_pipeline_replaces_every_members_pipeline(make_layout):
    root_a, root_b = make_layout('rain100_train'), make_layout('input_target', numbers=(5, 6))
    crop = [dict(type='PairedRandomCrop', patch_size=4)]
    mixed = DATASETS.build(dict(type='MixedRainDataset', pipeline=crop, datasets=[
        dict(type='PairedRainDataset', data_root=str(root_a), name='Rain100L'),
        dict(type='PairedRainDataset', data_root=str(root_b), name='Rain800', pipeline=[]),
    ]))
    assert [tuple(mixed[i]['inputs'].shape) for i in (0, 4)] == [(3, 4, 4), (3, 4, 4)]
    member = DATASETS.build(dict(type='PairedRainDataset', data_root=str(root_a), name='x'))
    with pytest.raises(ValueError, match='member configs'):
        DATASETS.build(dict(type='MixedRainDataset', datasets=[member], pipeline=crop))
