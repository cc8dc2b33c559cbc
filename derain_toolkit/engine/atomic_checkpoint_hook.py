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

Best-checkpoint saving (``save_best``) uses the same write-then-rename, and the previous
best file is removed only once the new best (and the step checkpoint mmengine saves after
it) is complete: mmengine removes it first, so a kill in between left no best at all
(issue 17).

Faults and moved work dirs (issue 17, ``docs/faults.md``):

* ``last_checkpoint`` holds the path relative to the work dir, so a copied work dir
  resumes from its own checkpoint; the best checkpoint recorded by a run is looked up in
  this run's ``out_dir`` by name, never removed from another folder.
* A run starts by removing the ``*.pth.tmp`` files a killed run left in the work dir
  (never complete checkpoints; ``tools/train.py`` holds the work dir's lock, so no other
  run is writing them).
* ``resume=True`` without ``load_from`` (``tools/train.py --resume``) continues from the
  newest checkpoint that loads (:func:`~derain_toolkit.checkpoints.resume.find_resume_checkpoint`),
  saying which files it passed over, and says so when there is none (training then starts at 0).
* A failed write (a full disk) raises :class:`CheckpointWriteError` naming the file.

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
from derain_toolkit.checkpoints.resume import LAST_CHECKPOINT, find_resume_checkpoint
from derain_toolkit.errors import InputError
from derain_toolkit.registry import HOOKS


class CheckpointWriteError(InputError, OSError):
    """A checkpoint could not be written (e.g. the disk is full); the message names the file."""


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
        target = osp.join(out_dir, filename)
        try:
            save_checkpoint(out_dir, filename + TMP_SUFFIX, *args, **kwargs)
            if is_main_process():
                fsync_file(tmp_path)
        except BaseException as error:
            if is_main_process() and osp.exists(tmp_path):
                os.remove(tmp_path)
            if isinstance(error, OSError):
                raise CheckpointWriteError(
                    error.errno, f'cannot write the checkpoint {target} ({error.strerror or error}); the earlier '
                    f'checkpoints are kept. Fix: free space in {out_dir} (or set default_hooks.checkpoint.out_dir '
                    'to another disk), then resume with --resume') from error
            raise
        if is_main_process():
            os.replace(tmp_path, target)

    save_then_rename.renames_atomically = True
    runner.save_checkpoint = save_then_rename
    try:
        yield
    finally:
        del runner.save_checkpoint  # back to Runner.save_checkpoint


class _DeferredRemoval:
    """A file backend that records removals of ``paths`` instead of doing them (the rest passes through)."""

    def __init__(self, backend: LocalBackend, paths: set[str]) -> None:
        self.backend = backend
        self.paths = paths
        self.deferred: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self.backend, name)

    def remove(self, path: str) -> None:
        if path in self.paths:
            self.deferred.append(path)
        else:
            self.backend.remove(path)


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

    def before_run(self, runner) -> None:
        """Remove the partial ``*.pth.tmp`` of a killed run; for ``resume=True`` without a file, pick the
        newest complete checkpoint of the work dir."""
        if is_main_process() and osp.isdir(runner.work_dir):
            for name in sorted(os.listdir(runner.work_dir)):
                if name.endswith('.pth' + TMP_SUFFIX):
                    os.remove(osp.join(runner.work_dir, name))
                    runner.logger.warning(f'removed {name}: the partial checkpoint of an interrupted write')
        if not runner._resume or runner._load_from is not None:
            return
        choice = find_resume_checkpoint(runner.work_dir)
        for line in choice.skipped:
            runner.logger.warning(f'resume: passed over {line}')
        if choice.path is None:
            runner.logger.warning(f'resume: no complete checkpoint in {runner.work_dir}; training starts at iteration 0')
            runner._resume = False
            return
        runner.logger.info(f'resume: continuing from {choice.path}'
                           + (' (the newest complete checkpoint)' if choice.skipped else ''))
        runner._load_from = choice.path

    def before_train(self, runner) -> None:
        """Set up as mmengine does, check that checkpoints go to a local folder, and look the
        recorded best checkpoints up in this run's ``out_dir``."""
        super().before_train(runner)
        if not isinstance(self.file_backend, LocalBackend):
            raise ValueError(
                f'AtomicCheckpointHook: expected a local out_dir, got {self.out_dir!r} '
                f'({type(self.file_backend).__name__}); use a local path or '
                "default_hooks.checkpoint.type='CheckpointHook' for remote storage.")
        if getattr(self, 'best_ckpt_path', None):
            self.best_ckpt_path = osp.join(self.out_dir, osp.basename(self.best_ckpt_path))
        for key, path in getattr(self, 'best_ckpt_path_dict', {}).items():
            if path:
                self.best_ckpt_path_dict[key] = osp.join(self.out_dir, osp.basename(path))

    def _best_paths(self) -> set[str]:
        return {path for path in [getattr(self, 'best_ckpt_path', None),
                                  *getattr(self, 'best_ckpt_path_dict', {}).values()] if path}

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
        inside = osp.realpath(self.last_ckpt).startswith(osp.realpath(runner.work_dir) + os.sep)
        replace_text_atomically(osp.join(runner.work_dir, LAST_CHECKPOINT),
                                osp.relpath(self.last_ckpt, runner.work_dir) if inside else self.last_ckpt)
        if outdated_step is not None:
            outdated = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(outdated_step))
            if self.file_backend.isfile(outdated):
                self.file_backend.remove(outdated)

    def _save_best_checkpoint(self, runner, metrics: dict) -> None:
        """mmengine's best saving with the removal of the previous best moved to the end."""
        deferring = _DeferredRemoval(self.file_backend, self._best_paths())
        self.file_backend = deferring
        try:
            with _write_then_rename(runner):
                super()._save_best_checkpoint(runner, metrics)
        finally:
            self.file_backend = deferring.backend
        if not is_main_process():
            return
        for path in set(deferring.deferred) - self._best_paths():
            if osp.isfile(path):
                os.remove(path)
                runner.logger.info(f'The previous best checkpoint {path} is removed')
