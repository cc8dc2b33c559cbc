"""Which checkpoint ``tools/train.py --resume`` continues from (issue 17).

mmengine resumes from the path written in ``WORK_DIR/last_checkpoint`` as it is: an
absolute path makes a copied work dir resume from the original's file, a truncated file
ends the run in a traceback, and a missing ``last_checkpoint`` silently trains from
iteration 0. Here the candidates are the file ``last_checkpoint`` names (a relative path
is relative to the work dir; an absolute one outside the work dir is replaced by the file
of the same name inside it when there is one) and every ``iter_<N>.pth`` /
``epoch_<N>.pth`` of the work dir; they are tried newest step first and the first one
that loads is taken. Each one passed over is reported with the reason.
"""
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Optional

from derain_toolkit.checkpoints.safe_checkpoint import load_local_checkpoint
from derain_toolkit.errors import InputError

LAST_CHECKPOINT = 'last_checkpoint'
_STEP_FILE = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')


@dataclass
class ResumeChoice:
    """The checkpoint to resume from and what was passed over on the way.

    Attributes:
        path: The newest complete checkpoint, or ``None`` when the work dir has none.
        skipped: One line per candidate passed over (file and reason), newest first.
    """

    path: Optional[str]
    skipped: list[str] = field(default_factory=list)


def read_last_checkpoint(work_dir: str) -> Optional[str]:
    """The file named by ``work_dir/last_checkpoint``, resolved against ``work_dir``; ``None`` without one."""
    record = osp.join(work_dir, LAST_CHECKPOINT)
    if not osp.isfile(record):
        return None
    with open(record) as handle:
        named = handle.read().strip()
    if not named:
        return None
    if not osp.isabs(named):
        return osp.join(work_dir, named)
    own = osp.join(work_dir, osp.basename(named))
    outside = osp.realpath(osp.dirname(named)) != osp.realpath(work_dir)
    return own if outside and osp.isfile(own) else named


def _step(path: str) -> int:
    match = _STEP_FILE.match(osp.basename(path))
    return int(match.group(1)) if match else -1


def find_resume_checkpoint(work_dir: str) -> ResumeChoice:
    """The newest checkpoint of ``work_dir`` that loads (see the module docstring)."""
    named = read_last_checkpoint(work_dir)
    steps = [osp.join(work_dir, name) for name in os.listdir(work_dir) if _STEP_FILE.match(name)] \
        if osp.isdir(work_dir) else []
    candidates = list(dict.fromkeys(sorted([*steps, *([named] if named else [])], key=_step, reverse=True)))
    skipped = []
    for path in candidates:
        try:
            content = load_local_checkpoint(path, map_location='cpu')
        except (InputError, FileNotFoundError) as error:
            skipped.append(f'{path}: {error}')
            continue
        if isinstance(content, dict) and 'state_dict' in content and 'meta' in content:
            return ResumeChoice(path, skipped)
        skipped.append(f'{path}: not a training checkpoint (no state_dict and meta)')
    return ResumeChoice(None, skipped)
