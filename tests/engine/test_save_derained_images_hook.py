import numpy as np
import pytest
import torch

from derain_toolkit.engine.save_derained_images_hook import SaveDerainedImagesHook
from derain_toolkit.utils.image_io import read_image


def test_predictions_become_8bit_pngs_named_by_key(tmp_path):
    hook = SaveDerainedImagesHook(str(tmp_path))
    pred = torch.rand(3, 5, 7)
    hook.after_test_iter(None, 0, outputs=[dict(pred=pred, key='rain-001', dataset='Rain100L'),
                                           dict(pred=pred, key='x')])
    saved = read_image(tmp_path / 'Rain100L' / 'rain-001.png')
    expected = np.rint(pred.permute(1, 2, 0).numpy().astype(np.float64) * 255).astype(np.uint8)
    assert saved.dtype == np.uint8 and saved.shape == (5, 7, 3)
    assert np.array_equal(saved, expected)
    assert (tmp_path / 'x.png').is_file() and len(hook.saved) == 2


def test_missing_key_is_explained(tmp_path):
    with pytest.raises(KeyError, match="expected a 'key'"):
        SaveDerainedImagesHook(str(tmp_path)).after_test_iter(None, 0, outputs=[dict(pred=torch.rand(3, 2, 2))])
