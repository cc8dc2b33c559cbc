"""Checkpoints that survive an interrupted write (issue #7), leave frozen weights out
(issue 12) and load in any supported layout (issue 10).

mmengine's ``CheckpointHook`` writes ``iter_N.pth`` in place, deletes the oldest kept
checkpoint *before* writing the new one, and rewrites ``last_checkpoint`` in place:
a run killed while saving can lose its only good checkpoint. This hook changes the
order and the way of writing, nothing else:

1. the checkpoint is written to ``<name>.tmp``, flushed to disk and renamed onto
   ``<name>`` (``os.replace`` is atomic on POSIX and Windows);
2. ``last_checkpoint`` is replaced the same way, only after the rename;
3. checkpoints beyond ``max_keep_ckpts`` are deleted last.

Best-checkpoint saving (``save_best``) uses the same write-then-rename; mmengine still
removes the previous best file before writing the new one.

The hook is also the one place where the Runner's checkpoints meet the toolkit's rules
(:mod:`derain_toolkit.checkpoints`), through mmengine's two checkpoint hook points:

* ``before_save_checkpoint``: the weights of frozen modules rebuilt from their source
  (the CLIP models of CLIP-RPN and DA-CLIP) are left out, and ``meta['weights_from_source']``
  names them, unless ``keep_frozen_weights=True`` (``tools/train.py --keep-frozen-weights``).
* ``after_load_checkpoint`` (``load_from``, resume, hence ``tools/test.py``): the loaded
  file is read by :func:`~derain_toolkit.checkpoints.import_checkpoint.import_state`, so an
  official release (e.g. Restormer's ``{'params': ...}``) is converted with the config's
  ``checkpoint_converter``, absent frozen weights are filled from the model as built, and
  anything that does not fit raises instead of mmengine's non-strict load silently
  skipping it.
"""
import os
import os.path as osp
from collections.abc import Iterator
from contextlib import contextmanager

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.model import is_model_wrapper

from derain_toolkit.checkpoints.atomic_files import (
    TMP_SUFFIX,
    fsync_file,
    replace_text_atomically,
)
from derain_toolkit.checkpoints.frozen import drop_frozen_weights
from derain_toolkit.checkpoints.import_checkpoint import import_state
from derain_toolkit.registry import HOOKS


@contextmanager
def _write_then_rename(runner) -> Iterator[None]:
    """Make ``runner.save_checkpoint`` write ``<name>.tmp`` and rename it onto ``<name>``.

    Re-entrant: mmengine's best-checkpoint saving calls the step saving inside it.
    """
    save_checkpoint = runner.save_checkpoint
    if getattr(save_checkpoint, 'renames_atomically', False):
        yield
        return

    def save_then_rename(out_dir: str, filename: str, *args, **kwargs) -> None:
        tmp_path = osp.join(out_dir, filename + TMP_SUFFIX)
        try:
            save_checkpoint(out_dir, filename + TMP_SUFFIX, *args, **kwargs)
        except BaseException:
            if is_main_process() and osp.exists(tmp_path):
                os.remove(tmp_path)
            raise
        if is_main_process():
            fsync_file(tmp_path)
            os.replace(tmp_path, osp.join(out_dir, filename))

    save_then_rename.renames_atomically = True
    runner.save_checkpoint = save_then_rename
    try:
        yield
    finally:
        del runner.save_checkpoint  # back to Runner.save_checkpoint


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose writes are atomic; mmengine's arguments plus one.

    Only local ``out_dir`` paths are supported (``os.replace`` needs a file system).

    Args:
        keep_frozen_weights: Save the weights of frozen modules rebuilt from their source
            too (by default they are left out; see the module docstring).
    """

    def __init__(self, *args, keep_frozen_weights: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.keep_frozen_weights = keep_frozen_weights

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Leave the frozen weights rebuilt from their source out of ``checkpoint`` (unless kept)."""
        if self.keep_frozen_weights:
            return
        omitted = drop_frozen_weights(self._model(runner), checkpoint['state_dict'])
        if omitted:
            checkpoint.setdefault('meta', {})['weights_from_source'] = omitted

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Replace ``checkpoint['state_dict']`` by the model's full, checked weights (see the module docstring)."""
        source = runner.cfg.get('load_from') or 'the checkpoint being loaded (load_from / resume)'
        imported = import_state(self._model(runner), checkpoint, str(source), runner.cfg.get('checkpoint_converter'))
        checkpoint['state_dict'] = imported.state
        runner.logger.info(f'Checkpoint read: {imported.description}')

    def before_train(self, runner) -> None:
        """Set up as mmengine does, then check that checkpoints go to a local folder."""
        super().before_train(runner)
        if not isinstance(self.file_backend, LocalBackend):
            raise ValueError(
                f'AtomicCheckpointHook: expected a local out_dir, got {self.out_dir!r} '
                f'({type(self.file_backend).__name__}); use a local path or '
                "default_hooks.checkpoint.type='CheckpointHook' for remote storage.")

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        outdated_step = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated_step = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        with _write_then_rename(runner):
            runner.save_checkpoint(
                self.out_dir, ckpt_filename, self.file_client_args,
                save_optimizer=self.save_optimizer, save_param_scheduler=self.save_param_scheduler,
                meta=meta, by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
        if not is_main_process():
            return
        replace_text_atomically(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if outdated_step is not None:
            outdated = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(outdated_step))
            if self.file_backend.isfile(outdated):
                self.file_backend.remove(outdated)

    def _save_best_checkpoint(self, runner, metrics: dict) -> None:
        with _write_then_rename(runner):
            super()._save_best_checkpoint(runner, metrics)
