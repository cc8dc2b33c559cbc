"""Cells of a ``kind = 'complexity'`` spec (CLIP-RPN Table 4): counted, never trained.

Each row's model config is built as written (full size, whatever the budget: the counts
are the point), its pretrained CLIP replaced by random weights of the same shape (the
counts do not depend on the values, and no weights can be downloaded), and measured
at the spec's ``shape`` (default 1x3x256x256, Table 4's):

* ``Param (M)``: every parameter (equal to the official codes' totals), frozen CLIP
  included; ``Param run (M)``: those of the modules one inference calls (layers built but
  never called drop out: FADformer's 6.958 M of 7.436 M); ``Trainable (M)`` without the
  frozen parts;
* ``Param thop (M)``: what ``thop.profile`` reports (skips custom LayerNorm affine
  parameters, bare ``nn.Parameter``s, modules never called), over every route of a
  routed model without its router (CLIP): Table 4's convention;
* ``MACs (G)``: convolutions + linear layers of one inference, on the route the model
  takes (as the toolkit runs it);
* ``MACs all routes (G)``: the same with every route of a routed model run (router once
  plus each route), as CLIP-RPN's implementation evidently counts;
* ``MACs thop (G)``: ``thop.profile``, over every route of a routed model without its
  router (Table 4's convention: CLIP-RPN's 293.53 G holds no CLIP; MPRNet's shared
  PReLU artefact included);
* ``MACs total (G)``: ``MACs (G)`` plus the attention matrix products;
* ``Time (s)``: mean seconds of one inference on this machine (after a warm-up), over
  ``repeats`` (spec option, default 1; rows labelled in the spec's ``untimed`` are not
  timed); the machine is recorded in the results.

``tools/complexity.py`` prints the same counts for any configs; both take them from
:func:`derain_toolkit.utils.complexity.complexity_of`.

Counting uses the meta device (no compute) where the model allows it, else a random
CPU tensor (CLIP routing takes an ``argmax`` of real values). Diffusion samplers are
counted on 1 and 2 reverse steps and extrapolated (exact: each step is the same call).
"""
import copy
import platform

import torch

from derain_toolkit.build import load_config
from derain_toolkit.reproduce.budgets import Budget
from derain_toolkit.reproduce.table_spec import Row, Run, TableSpec
from derain_toolkit.utils.complexity import complexity_of

#: The column names of a complexity spec, in Table 4's order then ours.
COMPLEXITY_METRICS = ('Param (M)', 'Param run (M)', 'Trainable (M)', 'Param thop (M)', 'MACs (G)', 'MACs all routes (G)',
                      'MACs thop (G)', 'MACs total (G)', 'Time (s)')


def machine() -> str:
    """The device the time column is measured on, e.g. ``'cpu (x86_64, 1 thread)'``."""
    if torch.cuda.is_available():
        return f'cuda ({torch.cuda.get_device_name()})'
    threads = torch.get_num_threads()
    return f'cpu ({platform.processor() or platform.machine()}, {threads} thread{"s" * (threads > 1)})'


def measure_complexity(spec: TableSpec, row: Row, run: Run, budget: Budget) -> dict:
    """The cells of ``row`` (see the module docstring), keyed ``'<dataset>/<metric>'``.

    ``budget`` is not applied: the models are counted as their configs are written.
    """
    shape = tuple(spec.options.get('shape', (1, 3, 256, 256)))
    cfg = load_config(run.config)
    cfg.merge_from_dict(copy.deepcopy(row.cfg_options))  # a copy: merging pops '_delete_' from the dict
    repeats = 0 if row.label in spec.options.get('untimed', ()) else int(spec.options.get('repeats', 1))
    values = complexity_of(cfg, shape, repeats)
    unknown = set(spec.metrics) - set(COMPLEXITY_METRICS)
    if unknown:
        raise KeyError(f'{spec.path}: complexity specs measure {list(COMPLEXITY_METRICS)}; unknown metrics '
                       f'{sorted(unknown)} in its metrics list')
    results = {f'{dataset}/{metric}': values[metric] for dataset in run.datasets for metric in spec.metrics
               if values[metric] is not None}  # an untimed row's time is left missing
    results['machine'] = f'{machine()}, input {"x".join(map(str, shape))}'
    return results
