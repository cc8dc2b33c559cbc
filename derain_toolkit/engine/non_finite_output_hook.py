"""Stop testing at the first prediction with NaN or Inf (issue 17).

``Derainer.predict`` clamps its prediction to [0, 1], which keeps NaN: saved as 8-bit it
becomes a black image and the metrics average it in (a NaN model scored PSNR 6.52 with
exit status 0). This hook, run before the images are saved (``tools/test.py`` adds it in
front of ``SaveDerainedImagesHook``), raises
:class:`~derain_toolkit.inference.NonFiniteOutputError` naming the image and the
checkpoint (``load_from``) instead; nothing is written for that batch and no metrics
are computed.
"""
from collections.abc import Sequence
from typing import Optional

from mmengine.hooks import Hook

from derain_toolkit.errors import NonFiniteOutputError, non_finite_message
from derain_toolkit.registry import HOOKS


@HOOKS.register_module()
class NonFiniteOutputHook(Hook):
    """Raise on the first test prediction that is not finite, naming the image and the checkpoint."""

    priority = 'ABOVE_NORMAL'

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[dict]] = None) -> None:
        """Check every ``pred`` of one test batch."""
        for sample in outputs or []:
            problem = non_finite_message(sample['pred'], runner.cfg.get('load_from'))
            if problem is not None:
                image = sample.get('rain_path') or sample.get('key') or f'sample of batch {batch_idx}'
                raise NonFiniteOutputError(f'{image}: {problem}')
