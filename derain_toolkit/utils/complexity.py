"""Parameter and multiply-accumulate counts under the conventions papers use.

Counted by PyTorch's ``FlopCounterMode`` (FLOPs halved), split by kind:

* ``conv``: convolutions;
* ``linear``: dense matrix products (``mm``/``addmm``: ``nn.Linear``, the projections of
  ``nn.MultiheadAttention``);
* ``attention``: batched products (``bmm``/``baddbmm``: ``q @ k^T`` and ``attn @ v``
  of MDTA, DDSA, MGCA), fused scaled-dot-product attention, and the ``q k^T``/``a v``
  products of ``nn.MultiheadAttention``;
* ``matmul`` = ``linear + attention``; ``other``; ``total``.

``nn.MultiheadAttention`` is counted in closed form (:func:`multihead_attention_macs`)
by hooks around each call: at inference PyTorch runs it through the fused
``_native_multi_head_attention`` kernel, which the FLOP counter does not see (CLIP
ViT-B/32's image tower counted 2.95 G instead of 4.41 G); in training mode it takes the
unfused path, which the counter sees. The hooks replace whatever the counter saw inside
the call by the closed form, so both paths give the same figures.

Papers' conventions (CLIP-RPN Table 4 and the baselines' own papers):

* ``conv + linear`` at 1x3x256x256 is what the official codes' figures count
  (Restormer 140.99 G: convolutions only; PromptIR 158.14 G includes one linear layer);
* :func:`thop_profile`: ``thop.profile`` (thop 0.1.1), with which CLIP-RPN Table 4
  was made: it counts only modules of a type it has a rule for (``nn.Conv2d``,
  ``nn.Linear``, ``nn.BatchNorm2d``, ``nn.LayerNorm``, ``nn.PReLU`` ...), so it skips
  custom LayerNorm classes and bare ``nn.Parameter``s in its parameter total and
  modules the forward never calls; a module shared by ``k`` parents is hooked ``k``
  times (``Module.apply`` reaches it once per parent) and its total is added by each
  parent, so its operations count ``k^2`` times (MPRNet's one ``nn.PReLU`` held by 55
  parents: 548.65 G instead of 140.98 G);
* routed models (CLIP-RPN): a model call counts the route the model takes (as it
  runs); :func:`every_route` runs the router and every route (as CLIP-RPN's
  implementation evidently does: Table 4's 293.53 G is two U-Net + MGCA passes).
"""
import copy
import time
import warnings
from typing import Any, Callable, Optional

import torch
from mmengine.config import Config
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from derain_toolkit.build import build_model
from derain_toolkit.registry import part_class, walk_parts

#: FLOP-counter op name -> MAC kind.
_KINDS = {'convolution': 'conv', 'mm': 'linear', 'addmm': 'linear', 'bmm': 'attention', 'baddbmm': 'attention',
          '_scaled_dot_product': 'attention'}
MAC_KINDS = ('conv', 'linear', 'attention', 'other')


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (all, or only those with ``requires_grad``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def count_parameters_run(fn: Callable[[], Any], model: nn.Module) -> int:
    """Number of parameters of the modules of ``model`` that run in ``fn()``, each parameter once.

    A module runs when its ``forward`` is called (a forward pre-hook sees it); its own
    parameters (not its children's) are then counted. Layers a constructor builds but the
    forward never calls drop out: FADformer's ``conv_mid`` (7,435,737 parameters, 6,958,041
    run: the paper's 6.958 M). A parameter read directly by another module's code (e.g.
    ``F.conv2d(x, other.weight)``) without calling its owner is not counted.
    """
    called: set[nn.Module] = set()
    handles = [module.register_forward_pre_hook(lambda module, args: called.add(module)) for module in model.modules()]
    try:
        with torch.no_grad():
            fn()
    finally:
        for handle in handles:
            handle.remove()
    parameters = {id(p): p for module in called for p in module.parameters(recurse=False)}
    return sum(p.numel() for p in parameters.values())


def _kind(op: Any) -> str:
    name = str(op).split('.')[1] if '.' in str(op) else str(op)
    return next((kind for prefix, kind in _KINDS.items() if name.startswith(prefix)), 'other')


def multihead_attention_macs(module: nn.MultiheadAttention, query: torch.Tensor, key: torch.Tensor) -> dict:
    """MACs of one ``nn.MultiheadAttention`` call, in closed form.

    With ``N`` batch, ``L`` queries, ``S`` keys, width ``E``, key/value widths
    ``kdim``/``vdim``: projections ``N (L E^2 + S E kdim + S E vdim + L E^2)`` (``linear``)
    and ``q k^T`` plus ``a v`` ``2 N L S E`` (``attention``; heads split ``E``, so the
    head count drops out).
    """
    def length_and_batch(tensor: torch.Tensor) -> tuple[int, int]:
        if tensor.dim() == 2:  # unbatched (L, E)
            return tensor.shape[0], 1
        return (tensor.shape[1], tensor.shape[0]) if module.batch_first else (tensor.shape[0], tensor.shape[1])

    (queries, batch), (keys, _) = length_and_batch(query), length_and_batch(key)
    width = module.embed_dim
    projections = batch * (2 * queries * width * width + keys * width * (module.kdim + module.vdim))
    return dict(linear=float(projections), attention=float(2 * batch * queries * keys * width))


class _MultiheadAttentionHooks:
    """Forward hooks that swap what ``counter`` saw inside each ``nn.MultiheadAttention``
    call for :func:`multihead_attention_macs`; ``adjust`` holds the MAC corrections by kind."""

    def __init__(self, model: nn.Module, counter: FlopCounterMode) -> None:
        self.counter = counter
        self.adjust = dict.fromkeys(MAC_KINDS, 0.0)
        self.handles = []
        self.before: list[dict] = []
        for module in model.modules():
            if isinstance(module, nn.MultiheadAttention):
                self.handles.append(module.register_forward_pre_hook(self._pre, with_kwargs=True))
                self.handles.append(module.register_forward_hook(self._post, with_kwargs=True))

    def _seen(self) -> dict:
        return dict(self.counter.get_flop_counts().get('Global', {}))

    def _pre(self, module: nn.Module, args: tuple, kwargs: dict) -> None:
        self.before.append(self._seen())

    def _post(self, module: nn.Module, args: tuple, kwargs: dict, output: Any) -> None:
        before, after = self.before.pop(), self._seen()
        for op, flops in after.items():
            self.adjust[_kind(op)] -= (flops - before.get(op, 0)) / 2
        query = args[0] if args else kwargs['query']
        key = args[1] if len(args) > 1 else kwargs['key']
        for kind, macs in multihead_attention_macs(module, query, key).items():
            self.adjust[kind] += macs

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def count_macs_of(fn: Callable[[], Any], model: nn.Module) -> dict[str, float]:
    """MACs of calling ``fn()`` (which runs ``model``), by kind (see the module docstring).

    Returns:
        ``dict(conv=..., linear=..., attention=..., other=..., matmul=..., total=...)`` in MACs.
    """
    counter = FlopCounterMode(display=False)
    hooks = _MultiheadAttentionHooks(model, counter)
    try:
        with torch.no_grad(), counter:
            fn()
    finally:
        hooks.remove()
    macs = dict(hooks.adjust)
    for op, flops in counter.get_flop_counts().get('Global', {}).items():
        macs[_kind(op)] += flops / 2
    macs['matmul'] = macs['linear'] + macs['attention']
    macs['total'] = macs['conv'] + macs['matmul'] + macs['other']
    return macs


def count_macs(model: nn.Module, inputs: torch.Tensor, **forward_kwargs) -> dict[str, float]:
    """MACs of one ``model(inputs, **forward_kwargs)`` call, by kind (:func:`count_macs_of`).

    The model runs for real on ``inputs``' device; pass tensors on the ``'meta'``
    device (with the model moved there) to count without computing.
    """
    return count_macs_of(lambda: model(inputs, **forward_kwargs), model)


def count_macs_on_meta(model: nn.Module, shape: tuple[int, ...] = (1, 3, 256, 256),
                       **forward_kwargs) -> dict[str, float]:
    """:func:`count_macs` on a copy of ``model`` on the meta device (no memory, no compute)."""
    meta_model = copy.deepcopy(model).to('meta')
    return count_macs(meta_model, torch.empty(shape, device='meta'), **forward_kwargs)


def thop_profile(model: nn.Module, inputs: tuple) -> tuple[float, float]:
    """``thop.profile(model, inputs)`` (thop 0.1.1): ``(MACs, parameters)`` under thop's rules.

    thop adds buffers and hooks to every module; this profiles a copy, so ``model`` is untouched.
    """
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # thop 0.1.1 compares versions with distutils' LooseVersion
        import thop
        macs, params = thop.profile(copy.deepcopy(model), inputs=inputs, verbose=False)
    return float(macs), float(params)


class _EveryRoute(nn.Module):
    """A routed network's ``run_every_route`` as a module's forward (for the counters)."""

    def __init__(self, routed: nn.Module, with_router: bool) -> None:
        super().__init__()
        self.routed = routed
        self.with_router = with_router

    def forward(self, x: torch.Tensor) -> None:
        self.routed.run_every_route(x, self.with_router)


def every_route(model: nn.Module, with_router: bool = True) -> Optional[nn.Module]:
    """A module whose forward runs the routed network inside ``model`` on every route, after
    its router (``with_router``); ``None`` when ``model`` has no routed network. A routed
    network declares itself with a ``run_every_route(x, with_router)`` method (CLIP-RPN).
    Count it with :func:`count_macs` or :func:`thop_profile` for the "all routes" convention."""
    for module in model.modules():
        if callable(getattr(module, 'run_every_route', None)):
            return _EveryRoute(module, with_router)
    return None


@torch.no_grad()
def inference_seconds(model: nn.Module, shape: tuple[int, ...], device: str, repeats: int) -> Optional[float]:
    """Mean seconds of ``model(x, mode='tensor')`` on ``device`` after one warm-up call (None if ``repeats`` <= 0)."""
    if repeats <= 0:
        return None
    model = model.to(device)
    x = torch.rand(shape, device=device)

    def sync() -> None:
        if device == 'cuda':
            torch.cuda.synchronize()

    model(x, mode='tensor')
    sync()
    start = time.perf_counter()
    for _ in range(repeats):
        model(x, mode='tensor')
    sync()
    return (time.perf_counter() - start) / repeats


def needs_values(error: Exception) -> bool:
    """Whether ``error`` means "this model needs real values", which the meta device has none of.

    Two kinds, and only these: an operator without a meta kernel, as data-dependent ones are
    (``unique``, ``nonzero``: CLIP routing groups the batch by route), which PyTorch reports as
    ``NotImplementedError``; and a call that reads or draws values (``.item()``, a seeded
    generator in a diffusion sampler: "META device type not an accelerator"), a
    ``RuntimeError`` that names the meta device. Any other error is a real bug and propagates.
    """
    return isinstance(error, NotImplementedError) or (isinstance(error, RuntimeError)
                                                      and 'meta' in str(error).lower())


def random_init(part: dict) -> None:
    """In place: a part with downloaded weights gets random ones of the same shape, as its
    class declares (``random_init_overrides``: the CLIP router, DA-CLIP)."""
    random_init_overrides = getattr(part_class(part.get('type')), 'random_init_overrides', None)
    if random_init_overrides is not None:
        part.update(random_init_overrides(dict(part)))


def _meta_then_cpu(model: nn.Module, shape: tuple[int, ...], count: Callable[[nn.Module, torch.Tensor], float]):
    """``count(model, x)`` on the meta device, or on a random CPU tensor when the model needs values."""
    try:
        return count(copy.deepcopy(model).to('meta'), torch.empty(shape, device='meta'))
    except (NotImplementedError, RuntimeError) as error:
        if not needs_values(error):
            raise
        generator = torch.Generator().manual_seed(0)
        return count(model.cpu(), torch.rand(shape, generator=generator))


def _conv_linear(macs: dict) -> float:
    return macs['conv'] + macs['linear']


def _macs(model: nn.Module, shape: tuple[int, ...]) -> dict:
    """MAC counts of ``model`` (one inference, the route it takes; every route; thop's)."""
    x = torch.rand(shape, generator=torch.Generator().manual_seed(0))
    try:
        meta_model, meta_x = copy.deepcopy(model).to('meta'), torch.empty(shape, device='meta')
        macs, counted_on = count_macs(meta_model, meta_x, mode='tensor'), 'meta'
        run = count_parameters_run(lambda: meta_model(meta_x, mode='tensor'), meta_model)
    except (NotImplementedError, RuntimeError) as error:
        if not needs_values(error):
            raise
        macs, counted_on = count_macs(model.cpu(), x, mode='tensor'), 'cpu'
        run = count_parameters_run(lambda: model(x, mode='tensor'), model)
    if every_route(model) is None:
        all_routes = macs
        thop_macs, thop_params = _meta_then_cpu(model, shape, lambda m, t: thop_profile(m, (t,)))
    else:
        all_routes = count_macs(every_route(model.cpu()), x)
        thop_macs, thop_params = thop_profile(every_route(model.cpu(), with_router=False), (x,))
    return {'Param run (M)': run / 1e6, 'Param thop (M)': thop_params / 1e6, 'MACs (G)': _conv_linear(macs) / 1e9,
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
        except (NotImplementedError, RuntimeError) as error:
            if not needs_values(error):
                raise
    model = build_model(cfg).eval()
    return model, _macs(model, shape)


def complexity_of(cfg: Config, shape: tuple[int, ...] = (1, 3, 256, 256), repeats: int = 1) -> dict:
    """Every count of the model of ``cfg`` (the columns of ``tools/complexity.py``), plus ``Trainable (M)``,
    ``Frozen (M)`` and ``on`` (``'meta'`` or ``'cpu'``: where the MACs were counted).

    The config is changed in place: pretrained CLIP parts get random weights. Diffusion
    models (a ``generator`` with ``sampler.steps``) are counted by :func:`_sampling_macs`.
    With ``repeats=0`` (untimed) the model is built on the meta device where it allows.
    """
    walk_parts(cfg.model, random_init)
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
