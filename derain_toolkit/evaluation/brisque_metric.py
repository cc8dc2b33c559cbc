"""BRISQUE, the second no-reference quality score of DDSA Table 2 (lower is better).

Mittal, Moorthy and Bovik, "No-reference image quality assessment in the spatial
domain", IEEE TIP 2012 (DDSA reference [33]): 36 natural-scene features (generalised
Gaussian fits of the MSCN coefficients and of their four neighbour products, at the
image's scale and half of it) scored by a support-vector regressor (RBF kernel)::

    score = sum_i coef_i * exp(-gamma * ||x - sv_i||^2) - rho,   x: features scaled to [-1, 1]

The features, their ranges and the regressor are those of the ``brisque`` package
(0.2.0), which ships the fitted regressor as ``brisque/models/svm.txt`` (libsvm's text
format) and the ranges as ``normalize.pickle`` (nothing is downloaded): a regressor
must be fed the features it was fitted on. Its ``BRISQUE.score`` fails on NumPy 2
(``float()`` of one-element arrays), so :func:`brisque` runs its steps (gray by
``skimage.color.rgb2gray``, features at full and half size, ``cv2`` bicubic) and scores
with :func:`svr_score`, our reading of ``svm.txt``.

Not MATLAB's BRISQUE: that release's regressor (``allmodel``, 774 support vectors, and
its ranges ``allrange``) is shipped as files by no package installable here, and the
package's features differ from ``brisque_feature.m`` (no antialiasing in the half-size
image, products of cropped rather than circularly shifted neighbours), so scores differ
from MATLAB's (and possibly from the DDSA paper's) by up to several points on an image.
``tests/evaluation/test_no_reference_metrics.py`` checks :func:`svr_score` against
libsvm's prediction with the same model.
"""
import importlib.util
import os
import pickle
from functools import lru_cache

import cv2
import numpy as np

from derain_toolkit.evaluation._no_reference_metric import NoReferenceMetric
from derain_toolkit.registry import METRICS


def _model_folder() -> str:
    spec = importlib.util.find_spec('brisque')
    folder = os.path.join(list(spec.submodule_search_locations)[0], 'models') if spec else ''
    if not os.path.isfile(os.path.join(folder, 'svm.txt')):
        raise FileNotFoundError('BRISQUE needs the regressor shipped by the brisque package '
                                f'(brisque/models/svm.txt), not found (looked in {folder!r}); it is an optional extra (it builds '
                                'libsvm with a C++ compiler): pip install -e .[metrics]')
    return folder


@lru_cache(maxsize=1)
def regressor() -> dict:
    """The support-vector regressor and feature ranges: ``dict(gamma, rho, coef (n,), sv (n, 36), low, high)``."""
    folder = _model_folder()
    with open(os.path.join(folder, 'svm.txt')) as file:
        lines = file.read().splitlines()
    start = lines.index('SV')
    header = dict(line.split(' ', 1) for line in lines[:start])
    if header.get('svm_type') != 'epsilon_svr' or header.get('kernel_type') != 'rbf':
        raise ValueError(f'{folder}/svm.txt: expected an epsilon_svr with an rbf kernel, got {header}')
    coef, vectors = [], []
    for line in filter(str.strip, lines[start + 1:]):
        fields = line.split()
        coef.append(float(fields[0]))
        vector = np.zeros(36)  # libsvm's sparse format leaves zeros out
        for pair in fields[1:]:
            index, value = pair.split(':')
            vector[int(index) - 1] = float(value)
        vectors.append(vector)
    with open(os.path.join(folder, 'normalize.pickle'), 'rb') as file:
        ranges = pickle.load(file)
    return dict(gamma=float(header['gamma']), rho=float(header['rho']), coef=np.asarray(coef),
                sv=np.asarray(vectors), low=np.asarray(ranges['min_']), high=np.asarray(ranges['max_']))


def svr_score(features: np.ndarray) -> float:
    """The regressor's prediction for 36 unscaled features (scaled to [-1, 1] by the training ranges)."""
    model = regressor()
    scaled = -1 + 2 * (np.asarray(features, dtype=np.float64) - model['low']) / (model['high'] - model['low'])
    kernel = np.exp(-model['gamma'] * np.sum((model['sv'] - scaled) ** 2, axis=1))
    return float(model['coef'] @ kernel - model['rho'])


@lru_cache(maxsize=1)
def _package():
    try:
        from brisque import BRISQUE
    except ImportError as error:
        raise ImportError('BRISQUE needs the brisque package, an optional extra (it builds libsvm with a C++ '
                          'compiler): pip install -e .[metrics]') from error
    return BRISQUE(url=False)


def brisque_features(image: np.ndarray) -> np.ndarray:
    """The package's 36 features of an ``(H, W, 3)`` ``uint8`` RGB image."""
    import skimage.color
    gray = skimage.color.rgb2gray(image)
    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_CUBIC)
    features = [_package().calculate_brisque_features(g, kernel_size=7, sigma=7 / 6) for g in (gray, half)]
    return np.array([float(np.ravel(value)[0]) for value in np.concatenate(features)])


def brisque(image: np.ndarray) -> float:
    """BRISQUE of an ``(H, W, 3)`` ``uint8`` RGB image."""
    return svr_score(brisque_features(image))


@METRICS.register_module()
class BRISQUEMetric(NoReferenceMetric):
    """Mean BRISQUE of ``pred`` (lower is better); reported as ``'BRISQUE'``.

    See :class:`NoReferenceMetric` for the arguments and :func:`brisque` for the score.
    """

    metric_name = 'BRISQUE'
    score_fn = staticmethod(brisque)
