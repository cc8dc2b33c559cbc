"""NeRD-Rain's training loss: the registered terms equal the official losses.py on the fixture's outputs, the
model config weights them as train.py does, and the target pyramid is kornia's build_pyramid.

Fixture: tests/fixtures/official/nerdrain_tiny_io.pt, block L (README.md there, section nerdrain): the official
CharbonnierLoss, fftLoss, EdgeLoss and L1 on A/out* against random stand-in targets L/target0..2, and train.py's
total.
"""
import math
from pathlib import Path

import pytest
import torch

from derain_toolkit import load_config
from derain_toolkit.inference import load_model
from derain_toolkit.models.losses import multi_stage_loss
from derain_toolkit.registry import LOSSES

ROOT = Path(__file__).resolve().parents[3]
OFFICIAL = ROOT / 'tests' / 'fixtures' / 'official'
TINY = """_base_ = [{base!r}]
model = dict(backbone=dict(dim=4, num_blocks=[1, 1, 1], heads=[1, 2, 4], inr_hidden=[32, 32, 32]))
"""


@pytest.fixture(scope='module')
def io() -> dict:
    return torch.load(OFFICIAL / 'nerdrain_tiny_io.pt', weights_only=True)


@pytest.mark.parametrize('name, loss', [('char', dict(type='CharbonnierLoss', eps=1e-3)), ('fft', dict(type='FFTLoss')),
                                        ('edge', dict(type='EdgeLoss', eps=1e-3))])
@pytest.mark.parametrize('scale', [0, 1, 2])
def test_terms_equal_the_official_losses(io, name, loss, scale):
    value = LOSSES.build(loss)(io[f'A/out{scale}'], io[f'L/target{scale}'])
    torch.testing.assert_close(value, io[f'L/{name}{scale}'], rtol=2e-6, atol=0)


def test_l1_of_the_inr_images_equals_the_official(io):
    l1 = LOSSES.build(dict(type='L1Loss'))
    torch.testing.assert_close(l1(io['A/out3'], io['L/target1']), io['L/l1_out3'], rtol=2e-6, atol=0)
    torch.testing.assert_close(l1(io['A/out5'], io['L/target2']), io['L/l1_out5'], rtol=2e-6, atol=0)


def test_the_model_loss_is_train_pys_total(io, tmp_path, monkeypatch):
    """The official tiny network, its A input, the paper config's four MultiStageLoss terms with the pyramid
    replaced by the fixture's stand-in targets: the sum of the logged terms is L/total."""
    config = tmp_path / 'nerdrain_official_tiny.py'
    config.write_text(TINY.format(base=str(ROOT / 'configs' / '_base_' / 'models' / 'nerdrain.py')))
    model = load_model(str(config), OFFICIAL / 'nerdrain_tiny.pth', device='cpu')
    targets = [io[f'L/target{level}'] for level in range(3)]

    def stand_in(target, levels):
        assert torch.equal(target, targets[0])
        return targets[:levels]

    monkeypatch.setattr(multi_stage_loss, 'gaussian_pyramid', stand_in)
    with torch.no_grad():
        terms = model(io['A/x'], dict(gt=targets[0], meta=[{}]), mode='loss')
    assert sorted(terms) == ['loss_charbonnier', 'loss_edge', 'loss_fft', 'loss_l1']
    torch.testing.assert_close(sum(terms.values()), io['L/total'], rtol=5e-6, atol=0)
    torch.testing.assert_close(terms['loss_fft'], 0.01 * sum(io[f'L/fft{i}'] for i in range(3)), rtol=5e-6, atol=0)
    torch.testing.assert_close(terms['loss_l1'], 0.1 * (io['L/l1_out3'] + io['L/l1_out5']), rtol=5e-6, atol=0)


def _hand_dft(x: torch.Tensor) -> torch.Tensor:
    """The 2-D DFT of (..., M, N) by its defining sum."""
    m, n = x.shape[-2:]
    out = torch.zeros(x.shape, dtype=torch.complex128)
    for u in range(m):
        for v in range(n):
            for k in range(m):
                for j in range(n):
                    out[..., u, v] += x[..., k, j] * complex(math.cos(-2 * math.pi * (u * k / m + v * j / n)),
                                                             math.sin(-2 * math.pi * (u * k / m + v * j / n)))
    return out


def test_fft_loss_is_the_mean_modulus_of_the_dft_difference():
    g = torch.Generator().manual_seed(0)
    pred, target = torch.rand(2, 3, 4, 5, generator=g, dtype=torch.float64), torch.rand(2, 3, 4, 5, generator=g,
                                                                                        dtype=torch.float64)
    expected = (_hand_dft(pred) - _hand_dft(target)).abs().mean()
    assert LOSSES.build(dict(type='FFTLoss'))(pred, target).item() == pytest.approx(expected.item(), rel=1e-12)


def _hand_pyrdown(x: torch.Tensor) -> torch.Tensor:
    """kornia's pyrdown by hand: [1 4 6 4 1]/16 on each axis with reflection (index -1 -> 1), then 2x2 means."""
    taps = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16]
    height, width = x.shape[-2:]

    def reflect(i: int, n: int) -> int:
        return -i if i < 0 else 2 * (n - 1) - i if i >= n else i

    blurred = torch.zeros_like(x)
    for i in range(height):
        for j in range(width):
            for a in range(5):
                for b in range(5):
                    blurred[..., i, j] += taps[a] * taps[b] * x[..., reflect(i + a - 2, height),
                                                                reflect(j + b - 2, width)]
    out = torch.zeros(*x.shape[:-2], height // 2, width // 2, dtype=x.dtype)
    for i in range(height // 2):
        for j in range(width // 2):
            out[..., i, j] = blurred[..., 2 * i:2 * i + 2, 2 * j:2 * j + 2].mean(dim=(-2, -1))
    return out


def test_target_pyramid_is_kornias_build_pyramid():
    x = torch.rand(1, 2, 12, 8, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    pyramid = multi_stage_loss.gaussian_pyramid(x, 3)
    assert [tuple(level.shape[-2:]) for level in pyramid] == [(12, 8), (6, 4), (3, 2)]
    assert pyramid[0] is x
    torch.testing.assert_close(pyramid[1], _hand_pyrdown(x), rtol=0, atol=1e-14)
    torch.testing.assert_close(pyramid[2], _hand_pyrdown(_hand_pyrdown(x)), rtol=0, atol=1e-14)


def test_multi_stage_loss_compares_chosen_outputs_with_their_pyramid_levels():
    loss = LOSSES.build(dict(type='MultiStageLoss', loss=dict(type='L1Loss'), key='outputs', indices=[2, 0],
                             target_levels=[1, 0], loss_weight=0.1))
    target = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    half = _hand_pyrdown(target)
    outputs = [torch.zeros(1, 3, 8, 8, dtype=torch.float64), torch.full((1, 3, 8, 8), 9.0, dtype=torch.float64),
               torch.ones(1, 3, 4, 4, dtype=torch.float64)]
    expected = (1 - half).abs().mean() + target.abs().mean()
    assert loss(outputs, target).item() == pytest.approx(expected.item(), rel=1e-12)
    assert (loss.name, loss.input_keys) == ('l1', ('outputs', 'target'))


def test_multi_stage_loss_misconfigurations_are_refused():
    with pytest.raises(ValueError, match='one pyramid level per supervised output'):
        LOSSES.build(dict(type='MultiStageLoss', loss=dict(type='L1Loss'), target_levels=[0, 1]))
    with pytest.raises(ValueError, match='one pyramid level per supervised output'):
        LOSSES.build(dict(type='MultiStageLoss', loss=dict(type='L1Loss'), indices=[0], target_levels=[0, 1]))
    loss = LOSSES.build(dict(type='MultiStageLoss', loss=dict(type='L1Loss'), indices=[0, 5]))
    with pytest.raises(ValueError, match=r'indices \[0, 5\].*returns 2'):
        loss([torch.zeros(1, 3, 4, 4)] * 2, torch.zeros(1, 3, 4, 4))


def test_model_config_weights_match_train_py():
    losses = load_config(ROOT / 'configs' / '_base_' / 'models' / 'nerdrain.py').model.losses
    assert [(l.loss.type, l.key, l.indices, l.target_levels, l.loss_weight) for l in losses] == [
        ('CharbonnierLoss', 'outputs', [0, 1, 2], [0, 1, 2], 1.0), ('FFTLoss', 'outputs', [0, 1, 2], [0, 1, 2], 0.01),
        ('EdgeLoss', 'outputs', [0, 1, 2], [0, 1, 2], 0.05), ('L1Loss', 'outputs', [3, 5], [1, 2], 0.1)]
