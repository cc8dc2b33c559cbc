"""Cells of a ``kind = 'complexity'`` spec (CLIP-RPN Table 4): counted, never trained.

Each row's model config is built as written (full size, whatever the budget: the counts
are the point), its pretrained CLIP replaced by random weights of the same shape (the
counts do not depend on the values, and no weights can be downloaded), and measured
at the spec's ``shape`` (default 1x3x256x256, Table 4's):

* ``Param (M)``: every parameter (equal to the official codes' totals);
* ``Param thop (M)``: what ``thop.profile`` reports (skips custom LayerNorm affine
  parameters, bare ``nn.Parameter``s, modules never called): Table 4's convention;
* ``MACs (G)``: convolutions + linear layers of one inference, on the route the model
  takes (as the toolkit runs it);
* ``MACs all routes (G)``: the same with every route of a routed model run (router once
  plus each route), as CLIP-RPN's implementation evidently counts;
* ``MACs thop (G)``: ``thop.profile``, over every route of a routed model (Table 4's
  convention; MPRNet's shared PReLU artefact included);
* ``MACs total (G)``: ``MACs (G)`` plus the attention matrix products;
* ``Time (s)``: mean seconds of one inference on this machine (after a warm-up), over
  ``repeats`` (spec option, default 1); the machine is recorded in the results.

Counting uses the meta device (no compute) where the model allows it, else a random
CPU tensor (CLIP routing takes an ``argmax`` of real values).
"""
import copy
import os
import platform
from typing import Callable

import torch
from mmengine.config import Config
from torch import nn

from derain_toolkit.build import build_model, load_config
from derain_toolkit.reproduce.budgets import Budget, walk_parts
from derain_toolkit.reproduce.table_spec import Row, Run, TableSpec
from derain_toolkit.utils.complexity import (
    count_macs,
    count_parameters,
    count_route_macs,
    inference_seconds,
    thop_profile,
)

#: The column names of a complexity spec, in Table 4's order then ours.
COMPLEXITY_METRICS = ('Param (M)', 'Param thop (M)', 'MACs (G)', 'MACs all routes (G)', 'MACs thop (G)',
                      'MACs total (G)', 'Time (s)')
_DATA_DEPENDENT = (NotImplementedError, RuntimeError, TypeError, ValueError)


def random_clip_weights(part: dict) -> None:
    """In place: a pretrained CLIP part (router, DA-CLIP) gets random weights of the same shape."""
    if part.get('type') == 'CLIPRouter':
        part.update(pretrained=None, allow_random_init=True)
    elif part.get('type') == 'DACLIP':
        part.update(pretrained=None, allow_random_init=True, controller_checkpoint=None, warn_untrained=False)


def _meta_then_cpu(model: nn.Module, shape: tuple[int, ...], count: Callable[[nn.Module, torch.Tensor], float]):
    """``count(model, x)`` on the meta device, or on a random CPU tensor when the model needs values."""
    try:
        return count(copy.deepcopy(model).to('meta'), torch.empty(shape, device='meta'))
    except _DATA_DEPENDENT:
        generator = torch.Generator().manual_seed(0)
        return count(model.cpu(), torch.rand(shape, generator=generator))


def _conv_linear(macs: dict) -> float:
    return macs['conv'] + macs['linear']


def machine() -> str:
    """The device the time column is measured on, e.g. ``'cpu (x86_64, 1 thread)'``."""
    if torch.cuda.is_available():
        return f'cuda ({torch.cuda.get_device_name()})'
    threads = torch.get_num_threads()
    return f'cpu ({platform.processor() or platform.machine()}, {threads} thread{"s" * (threads > 1)})'


def model_config(run: Run, row: Row) -> Config:
    """The row's model config as written, with random CLIP weights."""
    cfg = load_config(run.config)
    cfg.merge_from_dict(row.cfg_options)
    walk_parts(cfg.model, random_clip_weights)
    return cfg


def measure_complexity(spec: TableSpec, row: Row, run: Run, budget: Budget) -> dict:
    """The cells of ``row`` (see the module docstring), keyed ``'<dataset>/<metric>'``.

    ``budget`` is not applied: the models are counted as their configs are written.
    """
    shape = tuple(spec.options.get('shape', (1, 3, 256, 256)))
    repeats = int(spec.options.get('repeats', 1))
    model = build_model(model_config(run, row)).eval()
    x = torch.rand(shape, generator=torch.Generator().manual_seed(0))
    macs = _meta_then_cpu(model, shape, lambda m, t: count_macs(m, t, mode='tensor'))
    thop_macs, thop_params = _meta_then_cpu(model, shape, lambda m, t: thop_profile(m, (t,)))
    ours_routes = count_route_macs(model.cpu(), x, lambda m, args: _conv_linear(count_macs(m, *args)))
    thop_routes = count_route_macs(model.cpu(), x, lambda m, args: thop_profile(m, args)[0])
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    seconds = inference_seconds(model, shape, device, repeats)
    values = {
        'Param (M)': count_parameters(model) / 1e6,
        'Param thop (M)': thop_params / 1e6,
        'MACs (G)': _conv_linear(macs) / 1e9,
        'MACs all routes (G)': (ours_routes['all_routes'] if ours_routes else _conv_linear(macs)) / 1e9,
        'MACs thop (G)': (thop_routes['all_routes'] if thop_routes else thop_macs) / 1e9,
        'MACs total (G)': macs['total'] / 1e9,
        'Time (s)': seconds,
    }
    unknown = set(spec.metrics) - set(values)
    if unknown:
        raise KeyError(f'{spec.path}: complexity specs measure {list(COMPLEXITY_METRICS)}; unknown metrics '
                       f'{sorted(unknown)} in its metrics list')
    results = {f'{dataset}/{metric}': values[metric] for dataset in run.datasets for metric in spec.metrics}
    results['machine'] = f'{machine()}, input {"x".join(map(str, shape))}, {os.path.basename(run.config)}'
    return results
