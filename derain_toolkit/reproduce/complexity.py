"""Cells of a ``kind = 'complexity'`` spec (CLIP-RPN Table 4): counted, never trained.

Each row's model config is built as written (full size, whatever the budget: the counts
are the point), its pretrained CLIP replaced by random weights of the same shape (the
counts do not depend on the values, and no weights can be downloaded), and measured
at the spec's ``shape`` (default 1x3x256x256, Table 4's):

* ``Param (M)``: every parameter (equal to the official codes' totals), frozen CLIP
  included; ``Trainable (M)`` without the frozen parts;
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

``tools/complexity.py`` prints the same counts for any configs.

Counting uses the meta device (no compute) where the model allows it, else a random
CPU tensor (CLIP routing takes an ``argmax`` of real values). Diffusion samplers are
counted on 1 and 2 reverse steps and extrapolated (exact: each step is the same call).
"""
import copy
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
    every_route,
    inference_seconds,
    thop_profile,
)

#: The column names of a complexity spec, in Table 4's order then ours.
COMPLEXITY_METRICS = ('Param (M)', 'Trainable (M)', 'Param thop (M)', 'MACs (G)', 'MACs all routes (G)',
                      'MACs thop (G)', 'MACs total (G)', 'Time (s)')
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


def _macs(model: nn.Module, shape: tuple[int, ...]) -> dict:
    """MAC counts of ``model`` (one inference, the route it takes; every route; thop's): see the module docstring."""
    x = torch.rand(shape, generator=torch.Generator().manual_seed(0))
    try:
        macs, counted_on = count_macs(copy.deepcopy(model).to('meta'), torch.empty(shape, device='meta'),
                                      mode='tensor'), 'meta'
    except _DATA_DEPENDENT:  # data-dependent code (routing, sampling)
        macs, counted_on = count_macs(model.cpu(), x, mode='tensor'), 'cpu'
    if every_route(model) is None:
        all_routes = macs
        thop_macs, thop_params = _meta_then_cpu(model, shape, lambda m, t: thop_profile(m, (t,)))
    else:
        all_routes = count_macs(every_route(model.cpu()), x)
        thop_macs, thop_params = thop_profile(every_route(model.cpu(), with_router=False), (x,))
    return {'Param thop (M)': thop_params / 1e6, 'MACs (G)': _conv_linear(macs) / 1e9,
            'MACs all routes (G)': _conv_linear(all_routes) / 1e9, 'MACs thop (G)': thop_macs / 1e9,
            'MACs total (G)': macs['total'] / 1e9, 'on': counted_on}


def _sampling_macs(cfg: Config, steps: int, shape: tuple[int, ...]) -> dict:
    """:func:`_macs` of a model sampling ``steps`` reverse steps, from counts of 1 and 2 steps.

    Every reverse step calls the same network on the same shape, so the count is
    ``c(1) + (steps - 1) * (c(2) - c(1))``: exact, and 2 steps instead of ``steps`` of compute
    (the sampler cannot run on the meta device: it draws noise from a seeded generator).
    """
    counts, sampler = [], cfg.model.generator.sampler
    for sample_steps in (1, 2):  # every sampler calls the network once per step: count with the posterior one
        cfg.model.generator.sampler = dict(type='PosteriorSampler', steps=sample_steps)
        counts.append(_macs(build_model(cfg).eval(), shape))
    cfg.model.generator.sampler = sampler
    one, two = counts
    extrapolated = {key: one[key] + (steps - 1) * (two[key] - one[key]) for key in one if key.startswith('MACs')}
    return {**one, **extrapolated}


def _built_and_counted(cfg: Config, shape: tuple[int, ...], meta_first: bool) -> tuple[nn.Module, dict]:
    """The model of ``cfg`` and its :func:`_macs`: built on the meta device if ``meta_first``
    (no memory, no initialisation: seconds saved on a 30 M-parameter network), else, or when
    its constructor or forward needs values (CLIP routing), built on the CPU."""
    if meta_first:
        try:
            with torch.device('meta'):
                model = build_model(cfg).eval()
            return model, _macs(model, shape)
        except _DATA_DEPENDENT:
            pass
    model = build_model(cfg).eval()
    return model, _macs(model, shape)


def complexity_of(cfg: Config, shape: tuple[int, ...] = (1, 3, 256, 256), repeats: int = 1) -> dict:
    """Every count of the model of ``cfg`` (see the module docstring), plus ``Trainable (M)``,
    ``Frozen (M)`` and ``on`` (``'meta'`` or ``'cpu'``: where the MACs were counted).

    The config is changed in place: pretrained CLIP parts get random weights. Diffusion
    models (a ``generator`` with ``sampler.steps``) are counted by :func:`_sampling_macs`.
    With ``repeats=0`` (untimed) the model is built on the meta device where it allows.
    """
    walk_parts(cfg.model, random_clip_weights)
    steps = ((cfg.model.get('generator') or {}).get('sampler') or {}).get('steps')
    if steps:
        macs = _sampling_macs(cfg, steps, shape)
        model = build_model(cfg).eval()
    else:
        model, macs = _built_and_counted(cfg, shape, meta_first=not repeats)
    total, trainable = count_parameters(model), count_parameters(model, trainable_only=True)
    return {
        'Param (M)': total / 1e6,
        'Trainable (M)': trainable / 1e6,
        'Frozen (M)': (total - trainable) / 1e6,
        **macs,
        'Time (s)': inference_seconds(model, shape, 'cuda' if torch.cuda.is_available() else 'cpu', repeats),
    }


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
