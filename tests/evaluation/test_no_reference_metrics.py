"""NIQE against a second implementation (iqa-torch's port of BasicSR, equal to MATLAB), its MATLAB
pieces against closed forms; BRISQUE's regressor against libsvm; the metrics' per-image means."""
import importlib
import importlib.util

import numpy as np
import pytest
import skimage.data
import torch

from derain_toolkit.datasets.synthetic_rain import render_rain, sample_rain_params
from derain_toolkit.evaluation import brisque_metric, niqe_metric
from derain_toolkit.evaluation.brisque_metric import BRISQUEMetric, brisque
from derain_toolkit.evaluation.niqe_metric import NIQEMetric, fit_aggd, imresize_half, niqe, to_gray

needs_brisque = pytest.mark.skipif(importlib.util.find_spec('brisque') is None,
                                   reason='optional extra not installed: pip install -e .[metrics] (brisque builds libsvm)')


@pytest.fixture(scope='module')
def photo():
    return skimage.data.chelsea()[:288, :384]  # (288, 384, 3) uint8: 3 x 4 NIQE blocks


@pytest.fixture(scope='module')
def rainy(photo):
    rng = np.random.default_rng(0)
    return render_rain(photo, sample_rain_params('heavy', rng), rng)


def _reference_niqe(gray: np.ndarray) -> float:
    """iqa-torch 1.2.1's NIQE of a gray [0, 255] image (its last line calls float() on a 1x1 array,
    which NumPy 2 refuses: its float is replaced in its module)."""
    core = importlib.import_module('iqa.niqe.niqe_core')
    original = core.__dict__.get('float')
    core.float = lambda value: np.asarray(value).item()
    try:
        return core._apply_niqe(torch.from_numpy(gray))
    finally:
        if original is None:
            del core.float
        else:
            core.float = original


@pytest.mark.parametrize('which', ['photo', 'rainy'])
def test_niqe_equals_a_second_implementation(which, request):
    image = request.getfixturevalue(which)
    assert niqe(image) == pytest.approx(_reference_niqe(to_gray(image)), abs=1e-8)


def test_rain_raises_niqe(photo, rainy):
    assert niqe(rainy) > niqe(photo) + 1


def test_gray_is_matlabs_rounded_rgb2gray():
    image = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]], dtype=np.uint8)
    assert to_gray(image).tolist() == [[76.0, 150.0, 29.0, 18.0]]  # round(0.298936 * 255) ...
    assert to_gray(image.astype(np.float64) / 255).tolist() == [[76.0, 150.0, 29.0, 18.0]]


def test_half_size_resize_keeps_a_ramp_and_a_constant():
    ramp = np.tile(np.arange(40, dtype=np.float64), (40, 1))  # value = column index
    half = imresize_half(ramp)
    assert half.shape == (20, 20)
    # output pixel j is centred at input coordinate 2j + 0.5; the kernel is symmetric and sums to 1
    np.testing.assert_allclose(half[:, 3:-3], np.tile(2 * np.arange(3, 17) + 0.5, (20, 1)), atol=1e-10)
    np.testing.assert_allclose(imresize_half(np.full((9, 7), 3.0)), np.full((5, 4), 3.0), atol=1e-12)


@pytest.mark.parametrize('shape, draw', [(2.0, lambda rng, n: rng.normal(size=n)),
                                         (1.0, lambda rng, n: rng.laplace(size=n))])
def test_generalised_gaussian_fit_finds_the_shape_of_symmetric_samples(shape, draw):
    values = draw(np.random.default_rng(0), 200_000)
    fitted, left, right = fit_aggd(values)
    assert fitted == pytest.approx(shape, abs=0.05) and left == pytest.approx(right, rel=0.02)


@needs_brisque
def test_brisque_regressor_equals_libsvms_prediction(photo, rainy):
    package = brisque_metric._package()  # the brisque package's scorer (libsvm on its model file)
    for image in (photo, rainy):
        features = brisque_metric.brisque_features(image)
        assert brisque(image) == pytest.approx(package.calculate_image_quality_score(list(features)), abs=1e-6)
    assert brisque(rainy) > brisque(photo)


@needs_brisque
def test_metrics_average_pred_and_input_scores_per_dataset(photo, rainy):
    pred, inputs = (torch.from_numpy(x).permute(2, 0, 1).float() / 255 for x in (photo, rainy))
    samples = [dict(pred=pred, inputs=inputs, dataset='A'), dict(pred=inputs, inputs=inputs, dataset='B')]
    for metric, score in ((NIQEMetric(score_input=True), niqe), (BRISQUEMetric(score_input=True), brisque)):
        metric.process({}, samples)
        result = metric.compute_metrics(metric.results)
        name = metric.metric_name
        assert result[f'{name}_A'] == pytest.approx(score(photo)) and result[f'{name}_B'] == pytest.approx(score(rainy))
        assert result[name] == pytest.approx((score(photo) + score(rainy)) / 2)
        assert result[f'{name}_input'] == pytest.approx(score(rainy))


def test_niqe_refuses_an_image_smaller_than_one_block():
    with pytest.raises(ValueError, match='at least 96x96'):
        niqe(np.zeros((64, 200, 3), dtype=np.uint8))


def test_the_pristine_model_is_the_matlab_releases():
    mu, cov = niqe_metric.pristine_model()
    assert mu.shape == (36,) and cov.shape == (36, 36)
    assert mu[0] == pytest.approx(2.6013, abs=1e-4)  # modelparameters.mat, mu_prisparam(1)
