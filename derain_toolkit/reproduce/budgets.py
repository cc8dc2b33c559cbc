"""Named compute budgets: config overrides that scale a table row down to what a machine can run.

A budget changes a row's config in three places, and nowhere else:

* **schedule**: an iteration-based loop of ``max_iters`` iterations (epoch-based
  schedules become iteration-based), the config's optimiser kept but in plain fp32
  (``OptimWrapper``), the LR schedule replaced by a constant LR, no validation during
  training (the row is scored once, by the test run) unless ``validation_points`` asks
  for a curve (then that many validations, on the training column's synthetic test
  set), one checkpoint at the end (Fig. 7/8's DLS schedule still spans the whole run:
  τ/T reaches 1);
* **data** (``synthetic=True``): every train/test dataset replaced by
  ``SyntheticRainDataset`` renders (see :data:`SYNTHETIC_PATTERNS` for which rain
  patterns stand in for which benchmark), ``patch_size`` pixels square, workers 0;
  each column dataset of the table gets its own test set (seeded by its name, so every
  row and table sees the same images), run by ``MultiDatasetTestLoop`` (so every
  column is measured); metrics that declare ``needs_downloaded_weights`` (LPIPS) are dropped;
* **model width** (``shrink_model=True``): each part's own small variant (its
  ``tiny_overrides``, see :func:`shrink_part`: U-Net width 8, one block per level, a tiny
  random CLIP in place of a pretrained one, 10 reverse diffusion steps).

``smoke`` also runs on one CPU thread (``cpu_threads``), see :class:`Budget`.

``paper`` changes nothing: the config as written, real data, the paper's schedule.
"""
import copy
import zlib
from dataclasses import dataclass
from typing import Optional

from mmengine.config import Config

from derain_toolkit.registry import part_class, walk_parts

#: Rain patterns of the synthetic test set standing in for each benchmark (by how the
#: benchmark was made: Rain100L / Rain200L light streaks, Rain100H / Rain200H heavy, Rain800
#: mostly moderate); any other name (Mixed, Rain13K, Test100, DDN-Data, DID-Data, SPA-Data, ...)
#: gets all three patterns.
SYNTHETIC_PATTERNS = {
    'Rain100L': ('light',),
    'Rain100H': ('heavy',),
    'Rain800': ('moderate',),
    'Rain200L': ('light',),
    'Rain200H': ('heavy',),
}
_ALL_PATTERNS = ('light', 'moderate', 'heavy')

@dataclass(frozen=True)
class Budget:
    """A named set of overrides (``None`` fields leave the config as it is).

    Attributes:
        name: Name on the command line and in the table title.
        summary: One line for the table title.
        max_iters: Training iterations.
        batch_size: Training batch size.
        patch_size: Side of the synthetic training and test images.
        num_train: Synthetic training pairs.
        num_test: Synthetic test pairs per column dataset.
        synthetic: Replace the datasets by synthetic rain.
        shrink_model: Apply :func:`shrink_part` to the model.
        comparable: Whether the numbers may be compared with the paper's.
        cpu_threads: Intra-op CPU threads while a run trains and tests (``None``: torch's
            default). Tiny tensors gain nothing from several threads, and on a shared CPU
            OpenMP's waiting threads slow them down by orders of magnitude.
    """

    name: str
    summary: str
    max_iters: Optional[int] = None
    batch_size: Optional[int] = None
    patch_size: Optional[int] = None
    num_train: int = 0
    num_test: int = 0
    synthetic: bool = False
    shrink_model: bool = False
    comparable: bool = True
    cpu_threads: Optional[int] = None

    def describe(self) -> str:
        """The title suffix, e.g. ``smoke (synthetic data, 4 iterations; not comparable to the paper)``."""
        if self.comparable:
            return f'{self.name} ({self.summary})'
        return f'{self.name} ({self.summary}; not comparable to the paper)'


BUDGETS = {
    'smoke': Budget('smoke', 'synthetic data, 10 iterations, 32x32 patches, width 8, tiny random CLIP',
                    max_iters=10, batch_size=3, patch_size=32, num_train=16, num_test=3,
                    synthetic=True, shrink_model=True, comparable=False, cpu_threads=1),
    'small': Budget('small', 'synthetic data, 300 iterations, 64x64 patches, width 8, tiny random CLIP',
                    max_iters=300, batch_size=4, patch_size=64, num_train=200, num_test=10,
                    synthetic=True, shrink_model=True, comparable=False),
    'paper': Budget('paper', 'the configs as written: real data, the papers\' schedules'),
}


def get_budget(name: str) -> Budget:
    """The budget called ``name``."""
    if name not in BUDGETS:
        raise KeyError(f'Unknown budget {name!r}; expected one of {sorted(BUDGETS)}')
    return BUDGETS[name]


def shrink_part(part: dict) -> None:
    """Shrink one model part config in place, as its registered class declares.

    A part class that has a small variant declares it next to itself (as timm keeps a
    family's sizes in its file): ``tiny_overrides(cfg: dict) -> dict``, the config changes
    that make ``cfg`` CPU-sized (``RestormerUNet``: width 8, one block per level; the CLIP
    parts: the tiny random CLIP; ``IRSDEGenerator``: 10 reverse steps; ...). Parts that
    declare none are kept; a plugin's part is shrunk the same way once registered. The
    contract is in ``docs/adding_a_component.md``.
    """
    tiny_overrides = getattr(part_class(part.get('type')), 'tiny_overrides', None)
    if tiny_overrides is not None:
        part.update(tiny_overrides(dict(part)))


def synthetic_loader(name: str, budget: Budget, seed: int, train: bool, size: Optional[int] = None) -> dict:
    """A dataloader config of ``SyntheticRainDataset`` standing in for the dataset ``name``
    (its rain patterns from :data:`SYNTHETIC_PATTERNS`), sized by ``budget`` (images of
    ``size`` pixels square, default the budget's ``patch_size``)."""
    pipeline = [dict(type='PairedRandomFlip', horizontal_prob=0.5, vertical_prob=0.5)] if train else []
    pipeline.append(dict(type='PairedToTensor'))
    sampler = dict(type='InfiniteSampler', shuffle=True) if train else dict(type='DefaultSampler', shuffle=False)
    return dict(
        batch_size=budget.batch_size if train else 1,
        num_workers=0,
        persistent_workers=False,
        sampler=sampler,
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(type='SyntheticRainDataset', name=name, seed=seed,
                     num_samples=budget.num_train if train else budget.num_test,
                     image_size=size or budget.patch_size,
                     patterns=SYNTHETIC_PATTERNS.get(name, _ALL_PATTERNS), pipeline=pipeline))


def synthetic_test_seed(name: str) -> int:
    """Seed of the synthetic test set ``name``: the same images for every row and table."""
    return 1000 + zlib.crc32(name.encode()) % 100000


def _test_evaluator(cfg: Config) -> list:
    evaluator = cfg.get('test_evaluator') or cfg.get('val_evaluator') or [dict(type='PSNRMetric'),
                                                                          dict(type='SSIMMetric')]
    metrics = evaluator if isinstance(evaluator, (list, tuple)) else [evaluator]
    return [copy.deepcopy(m) for m in metrics
            if not getattr(part_class(m.get('type')), 'needs_downloaded_weights', False)]


def _validate(cfg: Config, budget: Budget, train_set: str, points: int) -> None:
    """Validate ``points`` times during the budget's iterations (on synthetic data: the
    synthetic test set named ``train_set``, the images the paper validates on being its test set)."""
    cfg.train_cfg.val_interval = max(1, budget.max_iters // points)
    cfg.val_cfg = dict(type='ValLoop')
    cfg.val_evaluator = _test_evaluator(cfg)
    if budget.synthetic:
        cfg.val_dataloader = synthetic_loader(train_set, budget, seed=synthetic_test_seed(train_set), train=False)


def apply_budget(cfg: Config, budget: Budget, test_sets: list[str], train_set: str,
                 validation_points: int = 0, test_size: Optional[int] = None) -> Config:
    """Apply ``budget`` to a row's config, in place; return it.

    Args:
        cfg: The row's full config.
        budget: The budget.
        test_sets: The table's column datasets this run is scored on (synthetic test sets
            are made under these names).
        train_set: Name of the synthetic training set (its rain patterns follow
            :data:`SYNTHETIC_PATTERNS`: a Rain100H row trains on heavy rain).
        validation_points: Validations during a budget's iterations (0: none); the
            ``paper`` budget keeps the config's own validation schedule.
        test_size: Side of the synthetic test images (default the budget's ``patch_size``).
    """
    if budget.shrink_model:
        walk_parts(cfg.model, shrink_part)
    if budget.max_iters is not None:
        val_loader, val_evaluator = cfg.get('val_dataloader'), cfg.get('val_evaluator')
        cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=budget.max_iters,
                             val_interval=budget.max_iters + 1)
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
        if validation_points:
            cfg.val_dataloader, cfg.val_evaluator = val_loader, val_evaluator
            _validate(cfg, budget, train_set, validation_points)
        cfg.param_scheduler = None
        for amp_only in ('dtype', 'loss_scale'):
            cfg.optim_wrapper.pop(amp_only, None)
        cfg.optim_wrapper.type = 'OptimWrapper'
        hooks = cfg.get('default_hooks', {})
        if 'checkpoint' in hooks:
            hooks.checkpoint.update(interval=budget.max_iters, save_best=None, max_keep_ckpts=1)
        if 'logger' in hooks:
            hooks.logger.interval = max(1, budget.max_iters // 2)
    if budget.synthetic:
        cfg.train_dataloader = synthetic_loader(train_set, budget, seed=0, train=True)
        cfg.test_dataloader = {name: synthetic_loader(name, budget, seed=synthetic_test_seed(name), train=False,
                                                      size=test_size)
                               for name in test_sets}
        cfg.test_cfg = dict(type='MultiDatasetTestLoop')
        cfg.test_evaluator = _test_evaluator(cfg)
    return cfg
