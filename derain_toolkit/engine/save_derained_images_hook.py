"""Save the derained images of the test loop as 8-bit PNGs (``tools/test.py --out``)."""
import os.path as osp
from collections.abc import Sequence
from typing import Optional

from mmengine.hooks import Hook

from derain_toolkit.registry import HOOKS
from derain_toolkit.utils.image_io import from_float01, write_image


@HOOKS.register_module()
class SaveDerainedImagesHook(Hook):
    """Write each test prediction to ``out_dir/<dataset>/<key>.png``.

    ``pred`` of every ``predict`` output, a ``(3, H, W)`` tensor in [0, 1], is rounded to
    ``uint8`` as Restormer saves its results (``from_float01``), so the saved PNGs score
    what the metrics scored. The sub-folder is the sample's ``dataset`` name when it has
    one (multi-set and mixed test runs); the file name is its ``key``. Under DDP each
    rank writes the samples it predicted.

    Args:
        out_dir: Root folder of the images.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.saved: list[str] = []

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[dict]] = None) -> None:
        """Save the predictions of one test batch."""
        for sample in outputs or []:
            if 'key' not in sample:
                raise KeyError("SaveDerainedImagesHook: expected a 'key' in each predict output to name "
                               f'the file, got keys {sorted(sample)}; the dataset must set data_samples.key')
            path = osp.join(self.out_dir, str(sample.get('dataset') or ''), f"{sample['key']}.png")
            image = sample['pred'].detach().float().permute(1, 2, 0).cpu().numpy()  # (H, W, 3)
            write_image(path, from_float01(image))
            self.saved.append(path)
