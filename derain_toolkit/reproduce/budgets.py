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
  column is measured); metrics needing downloaded weights (LPIPS) are dropped;
* **model width** (``shrink_model=True``): the per-part overrides of
  :func:`shrink_part` (U-Net width 8, one block per level, a tiny random CLIP in place
  of a pretrained one, 10 reverse diffusion steps).

``smoke`` also runs on one CPU thread (``cpu_threads``), see :class:`Budget`.

``paper`` changes nothing: the config as written, real data, the paper's schedule.
"""
import copy
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Optional

from mmengine.config import Config

#: Rain patterns of the synthetic test set standing in for each benchmark (by how the
#: benchmark was made: Rain100L light streaks, Rain100H heavy, Rain800 mostly moderate);
#: any other name (Mixed, Rain13K, Test100, ...) gets all three patterns.
SYNTHETIC_PATTERNS = {
    'Rain100L': ('light',),
    'Rain100H': ('heavy',),
    'Rain800': ('moderate',),
}
_ALL_PATTERNS = ('light', 'moderate', 'heavy')

#: A tiny open_clip ViT (random weights) used wherever a budget shrinks a CLIP model:
#: one transformer layer of width 32 on 32x32 inputs, 16-d embeddings.
TINY_CLIP = dict(
    embed_dim=16,
    vision_cfg=dict(image_size=32, layers=1, width=32, head_width=16, patch_size=16),
    text_cfg=dict(context_length=77, vocab_size=49408, width=32, heads=2, layers=1))

#: Metrics a budget with synthetic data leaves out: they need weights that cannot be had offline.
_METRICS_NEEDING_WEIGHTS = ('LPIPSMetric',)


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
                    max_iters=10, batch_size=2, patch_size=32, num_train=16, num_test=3,
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


def _one_per_level(values: Any, value: int = 1) -> tuple:
    return tuple(value for _ in values)


def shrink_part(part: dict) -> None:
    """Shrink one model part config in place, by its registered ``type``.

    * ``RestormerUNet`` (Restormer, DDSA, CLIP-RPN's shared U-Net): ``dim=8``, one block
      per level (the number of levels is kept), at most one refinement block, at most
      2 heads per level (the attention and feed-forward types are kept: ablations survive).
    * ``DRSformer``: as ``RestormerUNet`` (no refinement blocks: MEFC refines), expansion 2,
      2-step MEFCs (the TKSA and MSFN types are kept); ``PromptIR``: as ``RestormerUNet``
      but ``dim=12``, expansion 2, prompts at 8/16/32 px (the prompt widths follow ``dim``); ``PReNet``: 8
      channels, 3 stages, 2 residual blocks; ``MPRNet``: 8 channels (+4 per level, +4 in
      ORSNet), 1 CAB per ORB, reduction 2. These are the sizes of their
      ``configs/<name>_tiny_synthetic.py``, with all their levels.
    * ``CLIPRPN``: no route cache (it names files of the real data), mask heads of width 4.
    * ``CLIPRouter``: :data:`TINY_CLIP` with random weights (``pretrained=None``,
      ``allow_random_init=True``): routes are arbitrary but fixed; prompts kept.
    * ``ConditionalUNet`` (IR-SDE): ``nf=8``, 1 head of 8 channels, ``embed_dim`` that of
      :data:`TINY_CLIP` (it must match the DA-CLIP embeddings).
    * ``IRSDEGenerator``: the SDE's schedule (``num_steps``) kept, sampled in 10 larger
      reverse steps, no progress bar.
    * ``DACLIP``: :data:`TINY_CLIP` with random weights, no controller checkpoint.
    """
    kind = part.get('type')
    if kind in ('RestormerUNet', 'DRSformer', 'PromptIR'):
        part['dim'] = 8
        part['num_blocks'] = _one_per_level(part.get('num_blocks', (4, 6, 6, 8)))
        part['heads'] = tuple(min(2, h) for h in part.get('heads', (1, 2, 4, 8)))
    if kind in ('RestormerUNet', 'PromptIR'):
        part['num_refinement_blocks'] = min(1, part.get('num_refinement_blocks', 4))
    if kind == 'RestormerUNet' and part.get('refinement_heads') is not None:
        part['refinement_heads'] = min(2, part['refinement_heads'])
    elif kind == 'DRSformer':
        part.update(ffn_expansion_factor=2.0, mefc_steps=2)
    elif kind == 'PromptIR':  # width 12: at 8 the prompt widths (dim * 20 // 3 = 53, ...) leave odd block widths
        part.update(dim=12, ffn_expansion_factor=2.0, prompt_sizes=(8, 16, 32))
    elif kind == 'PReNet':
        part.update(channels=8, stages=3, num_res_blocks=2)
    elif kind == 'MPRNet':
        part.update(n_feat=8, scale_unetfeats=4, scale_orsnetfeats=4, num_cab=1, reduction=2)
    elif kind == 'CLIPRPN':
        part['route_cache'] = None
        part['mask_hidden_channels'] = 4
    elif kind == 'CLIPRouter':
        part.update(pretrained=None, allow_random_init=True, model_cfg=copy.deepcopy(TINY_CLIP))
    elif kind == 'ConditionalUNet':
        part.update(nf=8, heads=1, dim_head=8, embed_dim=TINY_CLIP['embed_dim'])
    elif kind == 'IRSDEGenerator':
        sampler = dict(part.get('sampler') or dict(type='PosteriorSampler'))
        sampler['steps'] = min(10, part.get('num_steps', 100))
        part.update(sampler=sampler, progress_bar=False)
    elif kind == 'DACLIP':
        part.update(pretrained=None, allow_random_init=True, model_cfg=copy.deepcopy(TINY_CLIP),
                    controller_checkpoint=None, warn_untrained=False)


def walk_parts(node: Any, visit: Callable[[dict], None]) -> None:
    """Call ``visit`` on every dict with a ``type`` in a nested config, parents first."""
    if isinstance(node, dict):
        if 'type' in node:
            visit(node)
        for value in node.values():
            walk_parts(value, visit)
    elif isinstance(node, (list, tuple)):
        for value in node:
            walk_parts(value, visit)


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
    return [copy.deepcopy(m) for m in metrics if m.get('type') not in _METRICS_NEEDING_WEIGHTS]


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
