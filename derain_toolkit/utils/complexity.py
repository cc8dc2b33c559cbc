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
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

#: FLOP-counter op name -> MAC kind.
_KINDS = {'convolution': 'conv', 'mm': 'linear', 'addmm': 'linear', 'bmm': 'attention', 'baddbmm': 'attention',
          '_scaled_dot_product': 'attention'}
MAC_KINDS = ('conv', 'linear', 'attention', 'other')


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (all, or only those with ``requires_grad``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


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
