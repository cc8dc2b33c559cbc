import torch
from mmengine.optim import OptimWrapper

import derain_toolkit

TINY = dict(type='Derainer', backbone=dict(type='RestormerUNet', dim=8, num_blocks=[1, 1, 1], heads=[1, 2, 4],
                                           num_refinement_blocks=1))


def _batch(n=2, size=16):
    return dict(inputs=[torch.rand(3, size, size) for _ in range(n)],
                data_samples=[dict(gt=torch.rand(3, size, size), key=f'img{i}') for i in range(n)])


def test_train_step_lowers_loss_on_a_fixed_batch():
    torch.manual_seed(0)
    model = derain_toolkit.build_model(TINY)
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=2e-3))
    data = _batch()
    losses = [model.train_step(data, optim)['loss'].item() for _ in range(20)]
    assert losses[-1] < 0.8 * losses[0]


def test_predict_returns_clamped_per_sample_dicts_with_metadata():
    model = derain_toolkit.build_model(TINY)
    outputs = model.val_step(_batch(n=3, size=12))
    assert [o['key'] for o in outputs] == ['img0', 'img1', 'img2']
    for out in outputs:
        assert out['pred'].shape == (3, 12, 12)
        assert out['pred'].min() >= 0 and out['pred'].max() <= 1
        assert out['gt'].shape == (3, 12, 12)


def test_mixed_sizes_in_a_batch_are_refused_with_advice():
    import pytest
    model = derain_toolkit.build_model(TINY)
    data = _batch(n=1)
    data['inputs'].append(torch.rand(3, 8, 8))
    data['data_samples'].append(dict(gt=torch.rand(3, 8, 8)))
    with pytest.raises(ValueError, match='batch_size=1'):
        model.val_step(data)


def test_pseudo_collated_batches_are_unpacked_per_sample():
    from mmengine.dataset import pseudo_collate
    model = derain_toolkit.build_model(TINY)
    items = [dict(inputs=torch.rand(3, 8, 8),
                  data_samples=dict(gt=torch.rand(3, 8, 8), key=f'k{i}', params=dict(angle=i)))
             for i in range(3)]
    outputs = model.val_step(pseudo_collate(items))
    assert [o['key'] for o in outputs] == ['k0', 'k1', 'k2']
    assert [o['params'] for o in outputs] == [dict(angle=0), dict(angle=1), dict(angle=2)]
    assert torch.equal(outputs[1]['gt'], items[1]['data_samples']['gt'])


def test_networks_that_use_sample_keys_receive_them():
    from mmengine.dataset import pseudo_collate

    from derain_toolkit.registry import BACKBONES

    @BACKBONES.register_module(force=True)
    class KeyRecordingNet(torch.nn.Module):
        uses_sample_keys = True

        def __init__(self):
            super().__init__()
            self.shift = torch.nn.Parameter(torch.zeros(1))
            self.seen = []

        def forward(self, x, keys=None):
            self.seen.append(keys)
            return x + self.shift

    model = derain_toolkit.build_model(dict(type='Derainer', backbone=dict(type='KeyRecordingNet')))
    items = [dict(inputs=torch.rand(3, 4, 4), data_samples=dict(gt=torch.rand(3, 4, 4), key=f'k{i}'))
             for i in range(2)]
    model.val_step(pseudo_collate(items))
    model(torch.rand(2, 3, 4, 4), dict(gt=torch.rand(2, 3, 4, 4), meta=[dict(key='a'), dict(key='b')]), mode='loss')
    assert model.backbone.seen == [['k0', 'k1'], ['a', 'b']]
