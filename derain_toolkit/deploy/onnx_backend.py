"""Run an exported model on ONNX Runtime behind the same pre/post-processing as PyTorch.

An :class:`OnnxBackend` is what ``derain_toolkit.inference.derain`` calls instead of a
PyTorch module: tiling, bit depths, alpha, grayscale and the masks stay in ``inference.py``.
The backend pads each input to the graph's multiple (``pad_to_multiple``, the networks' own
function) and crops the prediction back, prepares CLIP inputs with the routers' own
functions, and for IR-SDE / DA-CLIP hands a noise-network callable to the config's
generator, whose ``sample(network, inputs)`` runs the sampler loop in Python.

Loading checks the file: a file ONNX Runtime cannot parse (truncated, not ONNX), a file not
written by ``tools/export_onnx.py``, and a file exported for another network than the
config's are refused with a message naming the file and the difference.
"""
import copy
import json
import os
from typing import Any, Optional, Union

import numpy as np
import torch
from mmengine.registry import DefaultScope, init_default_scope

from derain_toolkit.build import ConfigLike, load_config
from derain_toolkit.deploy.extras import require
from derain_toolkit.deploy.onnx_format import METADATA_KEY, first_difference, network_signature
from derain_toolkit.engine.precision import PrecisionChoice
from derain_toolkit.models.layers.padding import crop_to, pad_to_multiple
from derain_toolkit.models.layers.open_clip_loader import clip_image_input
from derain_toolkit.registry import GENERATORS, SCOPE

_EXPORT_HINT = 'export it again with: python tools/export_onnx.py CONFIG CHECKPOINT --out FILE.onnx'
_CPU_LIVE_BYTES_PER_PIXEL = 4 * 4 * 64  # fallback: four float32 maps of 64 channels


class _Graph:
    """One ONNX Runtime session and its metadata; ``run`` returns outputs by name."""

    def __init__(self, path: Union[str, os.PathLike], threads: int) -> None:
        ort = require('onnxruntime', 'ONNX Runtime inference')
        self.path = os.fspath(path)
        if not os.path.isfile(self.path):
            raise FileNotFoundError(f'ONNX model file not found: {self.path}')
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(self.path, options, providers=['CPUExecutionProvider'])
        except Exception as error:  # ONNX Runtime raises its own classes for each parse failure
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ValueError(f'{self.path} is not a readable ONNX model (truncated or corrupt?): {reason}; '
                             f'{_EXPORT_HINT}') from None
        text = self.session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
        if text is None:
            raise ValueError(f'{self.path} was not written by tools/export_onnx.py (no {METADATA_KEY!r} '
                             f'metadata), so its inputs and padding are unknown; {_EXPORT_HINT}')
        self.metadata: dict[str, Any] = json.loads(text)
        self.outputs = [output.name for output in self.session.get_outputs()]

    def run(self, feeds: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        try:
            results = self.session.run(None, {name: value.cpu().numpy() for name, value in feeds.items()})
        except Exception as error:
            if 'allocate' in str(error).lower():
                raise RuntimeError(f'ONNX Runtime: not enough memory for {self.path}: {error}') from None
            raise RuntimeError(f'ONNX Runtime failed running {self.path}: {error}') from None
        return {name: torch.from_numpy(np.asarray(value)) for name, value in zip(self.outputs, results)}


def _clip_tensors(spec: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor(spec['mean']).view(1, 3, 1, 1), torch.tensor(spec['std']).view(1, 3, 1, 1)


class OnnxBackend:
    """The ONNX Runtime backend of :func:`derain_toolkit.inference.derain` (CPU, float32).

    Args:
        config: The config the file was exported from (path, Config or dict).
        path: The ``.onnx`` file written by ``tools/export_onnx.py``.
        threads: ONNX Runtime's intra-op threads; ``None`` takes ``OMP_NUM_THREADS`` (0: ORT's default).

    Raises:
        FileNotFoundError: ``path`` (or its DA-CLIP encoder file) is missing.
        ValueError: The file is not readable ONNX, was not exported by the toolkit, or was
            exported for another network than ``config``'s.
        ImportError: ``onnxruntime`` is not installed (``pip install -e .[deploy]``).
    """

    device = torch.device('cpu')

    def __init__(self, config: ConfigLike, path: Union[str, os.PathLike], threads: Optional[int] = None) -> None:
        threads = int(os.environ.get('OMP_NUM_THREADS', 0)) if threads is None else threads
        cfg = load_config(config)
        self.graph = _Graph(path, threads)
        self.checkpoint = self.graph.path
        meta = self.graph.metadata
        difference = first_difference(meta.get('network'), network_signature(cfg))
        if difference:
            kind = (meta.get('network') or {}).get('backbone', {}).get('type')
            raise ValueError(f'{self.graph.path} was exported for another network ({kind}) than the config '
                             f'builds ({cfg.model.backbone.get("type")}): first difference (file vs config) '
                             f'{difference}; use the config it was exported from, or {_EXPORT_HINT}')
        self.pad_multiple = int(meta['pad_multiple'])
        self.kind = meta['kind']
        if self.kind == 'image':
            router = meta.get('router_input')
            self.router_input = (router['size'], *_clip_tensors(router)) if router else None
            return
        if self.kind != 'noise':
            raise ValueError(f'{self.graph.path} holds a {self.kind!r} graph, not a network; give the '
                             'network file exported next to it')
        self.encoder = None
        if meta.get('daclip_encoder'):
            self.encoder = _Graph(os.path.join(os.path.dirname(self.graph.path), meta['daclip_encoder']), threads)
            spec = self.encoder.metadata['daclip_input']
            self.daclip_input = (spec['size'], *_clip_tensors(spec))
        if DefaultScope.get_current_instance() is None:
            init_default_scope(cfg.get('default_scope', SCOPE))
        generator_cfg = copy.deepcopy(cfg.model.generator)
        generator_cfg['daclip'] = None  # the guidance comes from the encoder graph
        self.generator = GENERATORS.build(generator_cfg)

    def resolve_precision(self, requested: str) -> PrecisionChoice:
        """Float32: the exported graph is float32 (``'auto'`` resolves to it; bf16/fp16 are refused)."""
        if requested not in ('auto', 'fp32'):
            raise ValueError(f'--precision {requested}: ONNX Runtime runs the exported float32 graph; '
                             'use --precision auto or fp32, or the PyTorch checkpoint for bf16/fp16')
        return PrecisionChoice('fp32', 'ONNX Runtime runs the exported float32 graph')

    def bytes_per_pixel(self, precision: str) -> float:
        """The PyTorch forward's estimate recorded at export (a fallback when the file has none)."""
        return float(self.graph.metadata.get('bytes_per_pixel') or _CPU_LIVE_BYTES_PER_PIXEL)

    def run(self, x: torch.Tensor, precision: str) -> dict[str, Any]:
        """Outputs of ``x`` (1, 3, h, w): ``pred`` and, for CLIP-RPN, ``masks`` and ``routes``."""
        if self.kind == 'noise':
            return self.generator.sample(self._noise_network(x), x)
        padded, size = pad_to_multiple(x, self.pad_multiple)  # (1, 3, H', W')
        feeds = {'image': padded}
        if self.router_input is not None:
            feeds['router_pixels'] = clip_image_input(x, *self.router_input)
        outputs = self.graph.run(feeds)
        masks = [outputs[name] for name in self.graph.outputs if name.startswith('mask_')]
        return dict(pred=crop_to(outputs['pred'], size), masks=masks, routes=outputs.get('route'))

    def _noise_network(self, mu: torch.Tensor):
        """``network(x_t, mu, t)`` for the generator's sampler: pads, runs the graph, crops."""
        guidance = {}
        if self.encoder is not None:
            guidance = self.encoder.run({'pixels': clip_image_input(mu, *self.daclip_input)})

        def network(x_t: torch.Tensor, mu: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            x_t, size = pad_to_multiple(x_t, self.pad_multiple)
            feeds = dict(x_t=x_t, mu=pad_to_multiple(mu, self.pad_multiple)[0], t=t.long(), **guidance)
            return crop_to(self.graph.run(feeds)['noise'], size)

        return network
