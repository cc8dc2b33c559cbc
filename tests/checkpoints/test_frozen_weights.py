"""Only frozen modules that declare their weights rebuilt from a source are left out of checkpoints."""
from torch import nn

from derain_toolkit.checkpoints.frozen import (
    drop_frozen_weights,
    frozen_from_source,
    mark_weights_from_source,
)


def test_only_frozen_declared_modules_are_left_out():
    model = nn.ModuleDict(dict(clip=nn.Linear(2, 2), tuned=nn.Linear(2, 2), net=nn.Linear(2, 2)))
    mark_weights_from_source(model['clip'], 'file a')
    mark_weights_from_source(model['tuned'], 'file b')
    model['clip'].requires_grad_(False)
    assert frozen_from_source(model) == {'clip': 'file a'}  # 'tuned' trains: it is saved
    state = model.state_dict()
    assert drop_frozen_weights(model, state) == {'clip': 'file a'}
    assert sorted(state) == ['net.bias', 'net.weight', 'tuned.bias', 'tuned.weight']
    inner = nn.Sequential(model)
    mark_weights_from_source(inner, 'outer file')
    inner.requires_grad_(False)
    assert frozen_from_source(inner) == {'': 'outer file'}  # the outer declaration covers the inner ones
