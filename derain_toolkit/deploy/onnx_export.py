"""Export a model's networks to ONNX and refuse any export that ONNX Runtime does not reproduce.

What is exported (one graph per file, dynamic height and width, batch of one):

* One-pass models (a generator without ``num_steps``: Restormer, DDSA, DRSformer, PromptIR,
  PReNet, MPRNet, CLIP-RPN): the generator's ``sample`` on the network, ``image -> pred``.
  CLIP-RPN's graph holds the CLIP router and every route (``CLIPRPN.forward_one_graph``): the
  router's ``argmax`` picks the route inside the graph, every route's MGCA branch runs at
  each level and the chosen one is kept, so one graph serves any route (cost: the other
  routes' branches, not the shared U-Net). It also outputs each level's rain mask and the route.
* Iterative models (a generator with ``num_steps``: IR-SDE, DA-CLIP): the noise network
  ``(x_t, mu, t[, content, degradation]) -> noise`` and, with DA-CLIP, its image encoder
  ``pixels -> (content, degradation)`` in ``<out>.daclip.onnx``; the sampler loop runs in
  Python around ONNX Runtime (``onnx_backend.py``).

Padding: the networks pad to their multiple with Python control flow on the shape, which a
trace would freeze, so the graphs take inputs already padded (``pad_multiple`` in the file's
metadata) and the ONNX Runtime backend pads (``pad_to_multiple``, the networks' own function)
and crops in its pre- and post-processing. The CLIP inputs (resize, crop, normalise) are
prepared in Python too, by the same functions as the PyTorch modules.

The check: after tracing, ONNX Runtime and PyTorch run every graph on probe inputs of two
sizes; when any output differs by more than ``tolerance`` (max abs) the file is not written
and :class:`ExportMismatch` names the graph, the output, the size and the difference.
"""
import json
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from torch import nn

from derain_toolkit.deploy.extras import require
from derain_toolkit.deploy.onnx_format import METADATA_KEY, network_signature
from derain_toolkit.inference import TorchBackend
from derain_toolkit.models.layers.open_clip_loader import clip_image_input

DEFAULT_OPSET = 18
TOLERANCE = 1e-4
PROBE_CELLS = ((4, 5), (5, 3))  # probe sizes in units of the pad multiple (at least 8 px)


class ExportMismatch(ValueError):
    """ONNX Runtime's outputs differ from PyTorch's by more than the tolerance."""


@dataclass
class _Graph:
    """A traceable module with its input/output names and a probe-input maker."""

    file: Path
    module: nn.Module
    inputs: list[str]
    outputs: list[str]
    dynamic: dict[str, dict[int, str]]
    probe: Callable[[int, int], tuple[torch.Tensor, ...]]
    metadata: dict[str, Any] = field(default_factory=dict)


class _OnePassGraph(nn.Module):
    """``generator.sample(network, image)`` as a tuple: ``pred``, the level masks, the route."""

    def __init__(self, model: nn.Module, routed: bool) -> None:
        super().__init__()
        self.model = model
        self.routed = routed

    def forward(self, image: torch.Tensor, *router_pixels: torch.Tensor) -> tuple[torch.Tensor, ...]:
        backbone = self.model.backbone
        if self.routed:
            outputs = self.model.generator.sample(backbone.forward_one_graph, image,
                                                  router_pixels=router_pixels[0] if router_pixels else None)
            return (outputs['pred'], *outputs['masks'], outputs['routes'])
        return (self.model.generator.sample(backbone, image)['pred'], )


class _NoiseGraph(nn.Module):
    """The IR-SDE noise network ``(x_t, mu, t[, content, degradation]) -> noise``."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, x_t: torch.Tensor, mu: torch.Tensor, t: torch.Tensor, *guidance: torch.Tensor) -> torch.Tensor:
        return self.network(x_t, mu, t, **dict(zip(('content', 'degradation'), guidance)))


class _DaclipEncoderGraph(nn.Module):
    """DA-CLIP's image encoder with its controller: ``pixels -> (content, degradation)``."""

    def __init__(self, daclip: nn.Module) -> None:
        super().__init__()
        self.daclip = daclip

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.daclip.encode_image(pixels, control=True)


def _clip_spec(size: Union[int, tuple[int, int]], mean: torch.Tensor, std: torch.Tensor) -> dict[str, Any]:
    return {'size': size, 'mean': mean.flatten().tolist(), 'std': std.flatten().tolist()}


def _probe_image(height: int, width: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(height * 1000 + width)
    return torch.rand(1, 3, height, width, generator=generator)  # (1, 3, h, w) in [0, 1]


def _graphs(model: nn.Module, cfg: Config, out: Path) -> list[_Graph]:
    """The graphs of ``model``: one for a one-pass model, the noise network (+ encoder) otherwise."""
    backbone, generator = model.backbone, model.generator
    pad_multiple = TorchBackend(model, 'cpu', channels_last=False).pad_multiple
    common = {'network': network_signature(cfg), 'pad_multiple': pad_multiple}
    if getattr(generator, 'num_steps', None) is None:
        router = getattr(backbone, 'router', None)
        routed = hasattr(backbone, 'forward_one_graph')
        clip = routed and hasattr(router, 'pixel_probabilities')

        def probe(height: int, width: int) -> tuple[torch.Tensor, ...]:
            image = _probe_image(height, width)
            return (image, clip_image_input(image, router.image_size[0], router.mean, router.std)) if clip else (image, )

        module = _OnePassGraph(model, routed).eval()
        with torch.no_grad():
            num_outputs = len(module(*probe(pad_multiple * 2, pad_multiple * 2)))
        masks = [f'mask_{level}' for level in range(num_outputs - 2)] if routed else []
        outputs = ['pred', *masks, *(['route'] if routed else [])]
        dynamic = {'image': {2: 'height', 3: 'width'}, 'pred': {2: 'height', 3: 'width'}}
        dynamic.update({name: {2: f'{name}_height', 3: f'{name}_width'} for name in masks})
        metadata = dict(common, kind='image',
                        bytes_per_pixel=TorchBackend(model, 'cpu', channels_last=False).bytes_per_pixel('fp32'),
                        router_input=_clip_spec(router.image_size[0], router.mean, router.std) if clip else None)
        return [_Graph(out, module, ['image', *(['router_pixels'] if clip else [])], outputs, dynamic, probe, metadata)]

    daclip = getattr(generator, 'daclip', None)
    t_probe = torch.tensor([max(1, generator.num_steps // 2)])
    encoder_file = out.with_suffix('.daclip.onnx')

    def noise_probe(height: int, width: int) -> tuple[torch.Tensor, ...]:
        mu = _probe_image(height, width)
        x_t = mu + generator.schedule.stationary_std * _probe_image(width, height).transpose(2, 3)
        guidance = generator.guidance(mu) if daclip is not None else {}
        return (x_t, mu, t_probe, *guidance.values())

    guided = ['content', 'degradation'] if daclip is not None else []
    image_axes = {2: 'height', 3: 'width'}
    noise = _Graph(out, _NoiseGraph(backbone).eval(), ['x_t', 'mu', 't', *guided], ['noise'],
                   {'x_t': image_axes, 'mu': image_axes, 'noise': image_axes}, noise_probe,
                   dict(common, kind='noise', bytes_per_pixel=None,
                        daclip_encoder=encoder_file.name if daclip is not None else None))
    if daclip is None:
        return [noise]
    size = daclip.image_size

    def encoder_probe(height: int, width: int) -> tuple[torch.Tensor, ...]:
        return (clip_image_input(_probe_image(height, width), size, daclip.image_mean, daclip.image_std), )

    encoder = _Graph(encoder_file, _DaclipEncoderGraph(daclip).eval(), ['pixels'], ['content', 'degradation'], {},
                     encoder_probe, dict(common, kind='daclip_encoder',
                                         daclip_input=_clip_spec(size, daclip.image_mean, daclip.image_std)))
    return [encoder, noise]


def _bilinear_antialiased(g, image, output_size, *args):
    """ONNX form of ``aten::_upsample_bilinear2d_aa`` (anti-aliased bilinear ``F.interpolate``,
    the rain mask heads' downsampling): opset 11's ``Resize`` with opset 18's ``antialias=1`` and
    ``exclude_outside=1`` (PyTorch renormalises the filter at the borders; without it the masks
    differ by 2e-3)."""
    from torch.onnx._internal.torchscript_exporter import symbolic_helper  # the tracer's own Resize builder
    resized = symbolic_helper._interpolate_helper('upsample_bilinear2d', 4, 'linear')(g, image, output_size, *args)
    resized.node().i_('antialias', 1)
    resized.node().i_('exclude_outside', 1)
    return resized


def _trace(graph: _Graph, file: Path, opset: int, size: tuple[int, int]) -> None:
    """``torch.onnx.export`` (TorchScript tracer) of ``graph`` with its metadata, into ``file``."""
    onnx = require('onnx', 'ONNX export')
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # CLIP's fused attention kernel has no ONNX form
    torch.onnx.register_custom_op_symbolic('aten::_upsample_bilinear2d_aa', _bilinear_antialiased, 18)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter('ignore')  # the tracer's notes on shape arithmetic it records as graph ops
        torch.onnx.export(graph.module, graph.probe(*size), str(file), input_names=graph.inputs,
                          output_names=graph.outputs, dynamic_axes=graph.dynamic, opset_version=opset,
                          dynamo=False)
    torch.backends.mha.set_fastpath_enabled(fastpath)
    proto = onnx.load(str(file))
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(graph.metadata)
    onnx.save(proto, str(file))


def _differences(graph: _Graph, file: Path, sizes: list[tuple[int, int]], tolerance: float) -> list[str]:
    """Each (output, size) where ONNX Runtime and PyTorch differ by more than ``tolerance``."""
    ort = require('onnxruntime', 'Checking an ONNX export')
    session = ort.InferenceSession(str(file), providers=['CPUExecutionProvider'])
    problems = []
    for height, width in sizes:
        inputs = graph.probe(height, width)
        with torch.no_grad():
            expected = graph.module(*inputs)
        expected = expected if isinstance(expected, tuple) else (expected, )
        got = session.run(None, {name: value.numpy() for name, value in zip(graph.inputs, inputs)})
        for name, ours, theirs in zip(graph.outputs, got, expected):
            theirs = theirs.numpy()
            error = float(np.abs(ours.astype(np.float64) - theirs).max()) if ours.shape == theirs.shape else np.inf
            if not error <= tolerance:
                shapes = '' if ours.shape == theirs.shape else f' (shapes {ours.shape} vs {tuple(theirs.shape)})'
                problems.append(f'{file.name}: output {name!r} at {height}x{width}: max abs difference '
                                f'{error:.3g} > {tolerance:g}{shapes}')
    return problems


def export_onnx(model: nn.Module, cfg: Config, out: Union[str, os.PathLike], opset: int = DEFAULT_OPSET,
                tolerance: float = TOLERANCE, probe_sizes: Optional[list[tuple[int, int]]] = None) -> list[Path]:
    """Export the networks of ``model`` (built from ``cfg``, weights loaded, eval mode) to ``out``.

    Args:
        model: A ``Derainer``.
        cfg: Its config (recorded in the file, so a backend can check it is loaded with it).
        out: The ``.onnx`` file of the network (the DA-CLIP encoder goes to ``<out>.daclip.onnx``).
        opset: ONNX opset.
        tolerance: Largest max-abs difference from PyTorch accepted on the probes.
        probe_sizes: The two probe sizes (multiples of the pad multiple); default
            :data:`PROBE_CELLS` pad multiples, at least 8 pixels each.

    Returns:
        The files written.

    Raises:
        ExportMismatch: An output differs on a probe (nothing is written).
        ImportError: ``onnx``/``onnxruntime`` are missing (``pip install -e .[deploy]``).
    """
    out = Path(out)
    model = model.cpu().eval().to(memory_format=torch.contiguous_format)
    graphs = _graphs(model, cfg, out)
    multiple = graphs[-1].metadata['pad_multiple']
    cell = multiple * max(1, -(-8 // multiple))
    sizes = probe_sizes or [(cell * rows, cell * cols) for rows, cols in PROBE_CELLS]
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = [graph.file.with_name(graph.file.name + '.partial') for graph in graphs]
    try:
        problems = []
        for graph, file in zip(graphs, partial):
            _trace(graph, file, opset, sizes[0])
            problems += _differences(graph, file, sizes, tolerance)
        if problems:
            raise ExportMismatch('ONNX Runtime does not reproduce PyTorch, so nothing was written:\n  '
                                 + '\n  '.join(problems))
        for graph, file in zip(graphs, partial):
            file.replace(graph.file)
    finally:
        for file in partial:
            file.unlink(missing_ok=True)
    return [graph.file for graph in graphs]
