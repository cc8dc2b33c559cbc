"""The one base of the errors a user fixes by changing an input (issue 17).

Every error that names a file, a config key or a command-line option together with what
was expected and the fix derives from :class:`InputError` (beside its usual built-in base,
so ``except ValueError`` keeps working). The tools catch ``InputError`` and print its
message as one line (``tools/<tool>.py: <message>``) with a non-zero exit status instead
of a traceback; anything else is a bug and keeps its traceback.
"""
from typing import Optional

import torch


class InputError(Exception):
    """Bad input the user can fix: the message names it, what was expected, what was found, and the fix."""


class NonFiniteOutputError(InputError, RuntimeError):
    """The network's output holds NaN or Inf; the message names the checkpoint."""


def non_finite_message(values: torch.Tensor, checkpoint: Optional[str]) -> Optional[str]:
    """``None`` when ``values`` are all finite, else what is wrong (counts, checkpoint) and the fix."""
    finite = torch.isfinite(values)
    if bool(finite.all()):
        return None
    nan = int(torch.isnan(values).sum())
    return (f"the model's output is not finite ({nan} NaN and {int((~finite).sum()) - nan} Inf of {values.numel()} "
            f"values) with checkpoint {checkpoint or '(weights as built)'}; nothing was written for it. Fix: use an "
            'earlier checkpoint of the run (its weights or this image overflow), or --precision fp32')
