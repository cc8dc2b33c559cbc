"""Checkpoints that survive an interrupted write (issue #7, training safety).

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
"""
import os
import os.path as osp
from collections.abc import Iterator
from contextlib import contextmanager

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from derain_toolkit.registry import HOOKS

_TMP_SUFFIX = '.tmp'


def _fsync_file(path: str) -> None:
    with open(path, 'rb+') as handle:
        os.fsync(handle.fileno())


def _replace_text_atomically(path: str, text: str) -> None:
    tmp_path = path + _TMP_SUFFIX
    with open(tmp_path, 'w') as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp_path, path)


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
        tmp_path = osp.join(out_dir, filename + _TMP_SUFFIX)
        try:
            save_checkpoint(out_dir, filename + _TMP_SUFFIX, *args, **kwargs)
        except BaseException:
            if is_main_process() and osp.exists(tmp_path):
                os.remove(tmp_path)
            raise
        if is_main_process():
            _fsync_file(tmp_path)
            os.replace(tmp_path, osp.join(out_dir, filename))

    save_then_rename.renames_atomically = True
    runner.save_checkpoint = save_then_rename
    try:
        yield
    finally:
        del runner.save_checkpoint  # back to Runner.save_checkpoint


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose writes are atomic; same arguments as mmengine's.

    Only local ``out_dir`` paths are supported (``os.replace`` needs a file system).
    """

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
        _replace_text_atomically(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if outdated_step is not None:
            outdated = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(outdated_step))
            if self.file_backend.isfile(outdated):
                self.file_backend.remove(outdated)

    def _save_best_checkpoint(self, runner, metrics: dict) -> None:
        with _write_then_rename(runner):
            super()._save_best_checkpoint(runner, metrics)
