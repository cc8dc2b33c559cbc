"""FCRLoss against the official FCR (fixture) and a hand loop over its formula; the negatives replay
Python's random.sample as the official sample_with_j; the Derainer hands it the rainy inputs."""
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from derain_toolkit import build_model
from derain_toolkit.registry import LOSSES

FIXTURES = Path(__file__).resolve().parents[2] / 'fixtures' / 'official'


@pytest.fixture(scope='module')
def io() -> dict:
    return torch.load(FIXTURES / 'fadformer_tiny_io.pt', weights_only=True)


def _fcr(**options):
    return LOSSES.build(dict(type='FCRLoss', **options))


def test_negatives_replay_the_official_pairs(io):
    assert _fcr(seed=0).negatives(4) == io['FCR/pairs'].tolist()


@pytest.mark.parametrize('suffix, dtype', [('', torch.float32), ('_f64', torch.float64)])
def test_loss_equals_the_official_fcr(io, suffix, dtype):
    loss = _fcr(seed=0)(*(io[f'FCR/{name}'].to(dtype) for name in 'apn'))
    assert loss.dtype == dtype
    torch.testing.assert_close(loss, io[f'FCR/loss{suffix}'], rtol=0, atol=1e-6 if dtype == torch.float32 else 1e-12)


def test_unseeded_loss_draws_from_pythons_global_random_as_the_official_code(io):
    random.seed(0)
    loss = _fcr()(io['FCR/a'], io['FCR/p'], io['FCR/n'])
    torch.testing.assert_close(loss, io['FCR/loss'], rtol=0, atol=1e-6)


def _hand_fcr(a, p, n, pairs, eps=1e-7):
    """The formula with numpy's FFT, one sample and one negative at a time."""
    a, p, n = (np.fft.fft2(t.double().numpy()) for t in (a, p, n))
    total = 0.0
    for i, negatives in enumerate(pairs):
        d_ap = np.abs(a[i] - p[i]).mean()
        total += sum(d_ap / (np.abs(a[i] - n[j]).mean() + eps) for j in negatives)
    return total / (len(pairs) * len(pairs[0]))


@pytest.mark.parametrize('batch, k', [(5, 3), (3, 1), (4, 2)])
def test_loss_equals_the_hand_loop(batch, k):
    generator = torch.Generator().manual_seed(7)
    a, p, n = (torch.rand(batch, 3, 6, 5, generator=generator, dtype=torch.float64) for _ in range(3))
    pairs = _fcr(num_negatives=k, seed=3).negatives(batch)
    assert all(row[0] == i and len(set(row)) == k for i, row in enumerate(pairs))
    loss = _fcr(num_negatives=k, seed=3)(a, p, n)
    assert loss.item() == pytest.approx(_hand_fcr(a, p, n, pairs), rel=1e-12)


def test_a_batch_no_larger_than_k_is_refused_with_advice():
    with pytest.raises(ValueError, match='batch_size'):
        _fcr()(*(torch.rand(2, 3, 4, 4) for _ in range(3)))


def test_gradient_reaches_the_restored_image_only_and_pulls_it_to_the_target():
    generator = torch.Generator().manual_seed(0)
    target, rainy = torch.rand(4, 3, 8, 8, generator=generator), torch.rand(4, 3, 8, 8, generator=generator)
    pred = (0.5 * target + 0.5 * rainy).requires_grad_()
    loss = _fcr(seed=0)(pred, target, rainy)
    loss.backward()
    with torch.no_grad():
        stepped = _fcr(seed=0)(pred - 0.1 * pred.grad / pred.grad.abs().max(), target, rainy)
    assert stepped < loss


def test_derainer_feeds_the_rainy_inputs_as_negatives():
    torch.manual_seed(0)
    model = build_model(dict(type='Derainer', backbone=dict(type='FADformer', dim=4, depths=(1, 1, 1)),
                             losses=[dict(type='FCRLoss', loss_weight=0.1, seed=5)]))
    generator = torch.Generator().manual_seed(1)
    inputs, gt = torch.rand(3, 3, 12, 12, generator=generator), torch.rand(3, 3, 12, 12, generator=generator)
    terms = model(inputs, dict(gt=gt, meta=[{}] * 3), mode='loss')
    pred = model.backbone(inputs)
    expected = 0.1 * _fcr(seed=5)(pred, gt, inputs)
    torch.testing.assert_close(terms['loss_fcr'], expected)
