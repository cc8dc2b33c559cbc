"""Derain images of any size, bit depth and channel layout, whole or in blended tiles.

Used by ``tools/derain.py`` and by users' scripts::

    model = load_model('configs/restormer_rain13k.py', 'iter_300000.pth', device='auto')
    derained = derain_image(model, read_image('rainy.png'))   # same dtype and channels

Images (NumPy, ``H x W`` or ``H x W x C``):
    * ``uint8`` and ``uint16`` are scaled to float32 in [0, 1] (float32 keeps all 16 bits)
      and written back at their own depth; floats are taken as [0, 1] and returned in
      their own float dtype.
    * Grayscale (``H x W`` or ``H x W x 1``) is replicated to three channels for the
      network, and the three derained channels are averaged back into one.
    * RGBA: the RGB channels are derained, the alpha channel is returned untouched.

Sizes: the network pads to its own multiple and crops back (``RestormerUNet``), so any
size works. Large images are split into tiles of ``tile`` pixels overlapping by
``tile_overlap``; each tile is weighted by a raised-cosine ramp over the overlap on
every side that has a neighbour (weight 1 elsewhere) and the weighted sum is divided
by the summed weights, so there are no seams. Tiled output is not bit-identical to the
whole-image output: a tile sees less context (the receptive field of a U-Net, and MDTA's
channel attention pools statistics over the whole input), so the overlap should be
generous; ``benchmarks/tiling.py`` measures the difference.

Automatic tiling (``tile=None``): the memory one forward needs is estimated from the
image size with a per-pixel cost measured once per model on a small probe (on CUDA the
allocator's peak; on CPU four times the largest layer output, a bound on the live
tensors of a Restormer block plus its skip connection), and compared with half the free
device memory (CUDA) or half of ``MemAvailable`` (CPU). If the whole image still runs
out of memory, the run is retried with tiles of half the size, down to
:data:`MIN_AUTO_TILE`.

Speed: every forward runs under ``torch.inference_mode()``; with ``channels_last=True``
(default) the model and input use the channels-last memory format, which changes only
the memory layout (the same operations, equal up to float rounding). ``precision``
``'bf16'`` (CPU or CUDA) or ``'fp16'`` (CUDA) runs under autocast, which is not exact:
``benchmarks/official_restormer.py`` reports its PSNR change. ``'auto'`` takes bf16 only
where the device runs it natively (``derain_toolkit/engine/precision.py``).

Faults (issue 17): a network output with NaN or Inf (a diverged checkpoint, an overflow
in fp16) raises :class:`NonFiniteOutputError` naming the checkpoint instead of being
clamped into a black image; ``tile`` and ``tile_overlap`` are checked by
:func:`check_tiling` before anything runs.

Backends: everything above (pre- and post-processing, tiling, masks, the memory estimate)
is shared; only the network call differs. A :class:`TorchBackend` runs a PyTorch model; an
``OnnxBackend`` (``derain_toolkit/deploy/onnx_backend.py``) runs a graph exported by
``tools/export_onnx.py`` on ONNX Runtime. :func:`derain` takes a model or either backend;
:func:`load_backend` picks the backend from the model file's suffix (``.onnx``).
"""
import contextlib
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional, Protocol, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.build import ConfigLike, build_model, load_config
from derain_toolkit.checkpoints.import_checkpoint import load_checkpoint_file
from derain_toolkit.engine.options import resolve_device
from derain_toolkit.engine.precision import AUTOCAST_DTYPES, PrecisionChoice, resolve_precision
from derain_toolkit.errors import NonFiniteOutputError, non_finite_message
from derain_toolkit.models.derainer import Derainer
from derain_toolkit.utils.image_io import from_float01, to_float01

MIN_AUTO_TILE = 128
_PROBE_SIZE = 64
_CPU_LIVE_FACTOR = 4.0
_MEMORY_FRACTION = 0.5

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called after each tile (and once for a whole image)."""


def check_tiling(tile: Optional[int], tile_overlap: int) -> None:
    """Raise ``ValueError`` unless ``tile`` is ``None`` or >= 0 and ``0 <= tile_overlap < tile`` when tiling."""
    if tile is not None and tile < 0:
        raise ValueError(f'--tile must be 0 (whole image), a positive tile side in pixels or absent (automatic); '
                         f'got {tile}')
    if tile_overlap < 0 or (tile and tile_overlap >= tile):
        raise ValueError(f'--tile-overlap must be in [0, tile) = [0, {tile}), got {tile_overlap}' if tile else
                         f'--tile-overlap must be >= 0, got {tile_overlap}')


@dataclass
class DerainResult:
    """Output of :func:`derain`.

    Attributes:
        image: The derained image, same shape and dtype as the input.
        mask: The finest predicted rain mask, ``H x W`` float32 in [0, 1], or ``None`` when
            the model predicts none (only CLIP-RPN with MGCA does).
        level_masks: The mask of every level (CLIP-RPN: one per MGCA level), each upsampled
            to ``H x W``, coarsest first (``mask`` is the last); empty when there are none.
    """

    image: np.ndarray
    mask: Optional[np.ndarray]
    level_masks: list[np.ndarray] = field(default_factory=list)


def load_model(config: ConfigLike, checkpoint: Union[str, os.PathLike],
               device: Union[str, torch.device, None] = 'auto') -> nn.Module:
    """Build the model of ``config``, load the weights of ``checkpoint`` and set eval mode.

    Args:
        config: Config path, Config or dict (see :func:`derain_toolkit.build_model`).
        checkpoint: A checkpoint written by ``tools/train.py`` or ``tools/convert_checkpoint.py``,
            a bare state dict of the model or of its network, or an official release in its
            published layout when the config names it (``checkpoint_converter``); read by
            :func:`derain_toolkit.checkpoints.import_checkpoint.import_state`, strictly.
        device: ``'auto'`` (CUDA if available, else CPU), ``'cpu'``, ``'cuda'``, ``'cuda:1'``...

    Raises:
        FileNotFoundError: ``checkpoint`` is not a file.
        ValueError: The file is not a checkpoint, or its weights do not fit the model
            (the message names the keys and the file).
    """
    cfg = load_config(config)
    model = build_model(cfg)
    load_checkpoint_file(model, checkpoint, cfg.get('checkpoint_converter'))
    model.__dict__['_derain_checkpoint'] = os.fspath(checkpoint)  # named by NonFiniteOutputError
    return model.to(resolve_device(device)).eval()


def _run_network(model: nn.Module, x: torch.Tensor) -> dict[str, Any]:
    """Outputs of a ``Derainer`` (through its generator and test-time procedure) or of a bare network, as a
    dict with ``pred``."""
    if isinstance(model, Derainer):
        return model.restore(x)
    out = model(x)
    return dict(out) if isinstance(out, dict) else {'pred': out}


def _run_torch(model: nn.Module, x: torch.Tensor, precision: str) -> dict[str, Any]:
    """:func:`_run_network` without autograd, under autocast for ``'bf16'``/``'fp16'``."""
    dtype = AUTOCAST_DTYPES[precision]
    autocast = (torch.autocast(device_type=x.device.type, dtype=dtype) if dtype is not None
                else contextlib.nullcontext())
    with torch.inference_mode(), autocast:
        return _run_network(model, x)


def _pad_multiple(model: nn.Module) -> int:
    """The multiple a network pads its input to (``RestormerUNet.pad_multiple``), 1 when none says."""
    return max((getattr(m, 'pad_multiple', 1) for m in model.modules()), default=1)


def _level_masks(masks: Any, size: tuple[int, int], multiple: int) -> list[torch.Tensor]:
    """Every mask of a list of (B, 1, h_l, w_l), upsampled to ``size``, coarsest first.

    Masks are at the resolution of their level of the input padded to ``multiple``
    (CLIP-RPN): each is upsampled by the whole stride of its level (padded size / h_l)
    and the padding is cropped off.
    """
    if not isinstance(masks, (list, tuple)) or not masks:
        return []
    padded = [math.ceil(side / multiple) * multiple for side in size]
    upsampled = []
    for mask in sorted(masks, key=lambda m: m.shape[-2] * m.shape[-1]):
        mask = mask.float()
        stride = max(math.ceil(padded[0] / mask.shape[-2]), math.ceil(padded[1] / mask.shape[-1]))
        if stride > 1:
            mask = F.interpolate(mask, scale_factor=stride, mode='bilinear', align_corners=False)
        upsampled.append(mask[..., :size[0], :size[1]])  # (B, 1, H, W)
    return upsampled


class Backend(Protocol):
    """What :func:`derain` needs from whatever runs the network.

    Attributes:
        device: Where inputs go.
        pad_multiple: The multiple the network pads its input to (1: none).
    """

    device: torch.device
    pad_multiple: int

    def resolve_precision(self, requested: str) -> PrecisionChoice:
        """The precision ``requested`` (one of ``PRECISIONS``) resolves to on this backend."""

    def run(self, x: torch.Tensor, precision: str) -> dict[str, Any]:
        """The raw outputs of ``x`` (1, 3, h, w) in [0, 1]: ``'pred'`` (1, 3, h, w) and optionally
        ``'masks'`` (each (1, 1, h_l, w_l) at its level of the input padded to ``pad_multiple``)."""

    def bytes_per_pixel(self, precision: str) -> float:
        """Forward memory per input pixel (see :func:`choose_tile`)."""


class TorchBackend:
    """Runs a PyTorch ``Derainer`` (through its generator) or a bare network.

    Args:
        model: The module, in eval mode.
        device: Where to run; ``None`` keeps the model's device. The model is moved there.
        channels_last: Convert the model (and each input) to the channels-last memory format.
    """

    def __init__(self, model: nn.Module, device: Union[str, torch.device, None] = None,
                 channels_last: bool = True) -> None:
        self.model = model
        self.device = next(model.parameters()).device if device is None else resolve_device(device)
        self.channels_last = channels_last
        model.to(self.device)
        if channels_last:
            model.to(memory_format=torch.channels_last)
        self.pad_multiple = _pad_multiple(model)
        self.checkpoint = model.__dict__.get('_derain_checkpoint')

    def resolve_precision(self, requested: str) -> PrecisionChoice:
        return resolve_precision(requested, self.device.type)

    def run(self, x: torch.Tensor, precision: str) -> dict[str, Any]:
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return _run_torch(self.model, x, precision)

    def bytes_per_pixel(self, precision: str) -> float:
        return _bytes_per_pixel(self.model, self.device, precision)


def as_backend(model: Union[nn.Module, Backend], device: Union[str, torch.device, None] = None,
               channels_last: bool = True) -> Backend:
    """``model`` itself when it is a backend, else a :class:`TorchBackend` of it."""
    return TorchBackend(model, device, channels_last) if isinstance(model, nn.Module) else model


def _forward(backend: Backend, x: torch.Tensor, precision: str) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """One forward on ``x`` (1, 3, h, w): the prediction (1, 3, h, w) and the level masks (1, 1, h, w) each."""
    outputs = backend.run(x, precision)
    problem = non_finite_message(outputs['pred'], getattr(backend, 'checkpoint', None))
    if problem is not None:
        raise NonFiniteOutputError(problem)
    pred = outputs['pred'].float().clamp(0, 1)
    return pred, _level_masks(outputs.get('masks'), tuple(x.shape[-2:]), backend.pad_multiple)


def _ramp(length: int, overlap: int, ramp_start: bool, ramp_end: bool) -> torch.Tensor:
    """1-D blending window: raised-cosine ramps of ``overlap`` samples on the chosen ends, 1 between."""
    window = torch.ones(length)
    overlap = min(overlap, length // 2)
    if overlap > 0:
        rise = torch.sin(0.5 * math.pi * (torch.arange(overlap) + 0.5) / overlap)**2  # in (0, 1)
        if ramp_start:
            window[:overlap] = rise
        if ramp_end:
            window[-overlap:] = rise.flip(0)
    return window


def _tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile origins along one axis: a stride of ``tile - overlap``, the last tile flush with the end."""
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, tile - overlap))
    return starts + [length - tile]


def _forward_tiled(backend: Backend, x: torch.Tensor, tile: int, overlap: int, precision: str,
                   progress: Optional[Progress] = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Blend the forwards of overlapping tiles of ``x`` (1, 3, H, W); accumulators stay on the CPU."""
    height, width = x.shape[-2:]
    rows, cols = _tile_starts(height, tile, overlap), _tile_starts(width, tile, overlap)
    pred_sum = torch.zeros(1, 3, height, width)
    mask_sums: list[torch.Tensor] = []
    weight_sum = torch.zeros(1, 1, height, width)
    for index, (top, left) in enumerate((top, left) for top in rows for left in cols):
        h, w = min(tile, height), min(tile, width)
        pred, masks = _forward(backend, x[..., top:top + h, left:left + w], precision)
        weight = (_ramp(h, overlap, top > 0, top + h < height)[:, None]
                  * _ramp(w, overlap, left > 0, left + w < width)[None, :])  # (h, w)
        pred_sum[..., top:top + h, left:left + w] += pred.cpu() * weight
        mask_sums = mask_sums or [torch.zeros(1, 1, height, width) for _ in masks]
        for mask_sum, mask in zip(mask_sums, masks):
            mask_sum[..., top:top + h, left:left + w] += mask.cpu() * weight
        weight_sum[..., top:top + h, left:left + w] += weight
        if progress is not None:
            progress(index + 1, len(rows) * len(cols))
    return pred_sum / weight_sum, [mask_sum / weight_sum for mask_sum in mask_sums]


def global_context_parts(model: nn.Module) -> list[str]:
    """Names of the model's part classes whose output at a pixel depends on the whole input.

    A part declares it with the class attribute ``global_context = True`` (MDTA's channel
    attention, squeeze-and-excitation, global pooling, a CLIP that sees the whole image):
    on a tile such a part sees that tile's statistics, not the image's, so tiled output
    differs from whole-image output by more than the overlap can blend away.
    """
    return sorted({type(module).__name__ for module in model.modules() if getattr(module, 'global_context', False)})


def _warn_tiling(model: nn.Module, tile: int, height: int, width: int) -> None:
    """Warn that tiling changes the output of a model with global-context parts."""
    parts = global_context_parts(model)
    if parts:
        warnings.warn(f'tiling a {height}x{width} image into {tile}-pixel tiles, but parts of this model see the '
                      f'whole input ({", ".join(parts)}): each tile is derained with its own statistics and the output '
                      'differs from the whole-image output (docs/inference.md measures by how much); use '
                      '--tile 0 (whole image) or the largest tile that fits in memory', stacklevel=3)


def _is_out_of_memory(error: BaseException) -> bool:
    """CUDA raises ``torch.OutOfMemoryError``; the CPU allocator a ``RuntimeError`` saying so."""
    return isinstance(error, torch.OutOfMemoryError) or (
        isinstance(error, RuntimeError) and re.search(r"can't allocate memory|not enough memory", str(error)) is not None)


def _available_bytes(device: torch.device) -> float:
    """Free memory on ``device``: CUDA's free memory, or ``MemAvailable`` of ``/proc/meminfo`` on the CPU."""
    if device.type == 'cuda':
        return float(torch.cuda.mem_get_info(device)[0])
    try:
        with open('/proc/meminfo') as meminfo:
            for line in meminfo:
                if line.startswith('MemAvailable:'):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return float(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_AVPHYS_PAGES'))


def _bytes_per_pixel(model: nn.Module, device: torch.device, precision: str) -> float:
    """Forward memory per input pixel, measured once per model and precision on a small probe."""
    cache = model.__dict__.setdefault('_derain_bytes_per_pixel', {})
    key = (str(device), precision)
    if key in cache:
        return cache[key]
    probe = torch.rand(1, 3, _PROBE_SIZE, _PROBE_SIZE, device=device)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        base = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        _run_torch(model, probe, precision)
        peak = torch.cuda.max_memory_allocated(device) - base
    else:
        largest = [0]

        def record(_module, _inputs, output):
            if isinstance(output, torch.Tensor):
                largest[0] = max(largest[0], output.numel() * output.element_size())

        handles = [m.register_forward_hook(record) for m in model.modules() if not list(m.children())]
        try:
            _run_torch(model, probe, precision)
        finally:
            for handle in handles:
                handle.remove()
        peak = _CPU_LIVE_FACTOR * largest[0]
    cache[key] = peak / _PROBE_SIZE**2
    return cache[key]


def choose_tile(model: Union[nn.Module, Backend], height: int, width: int, device: torch.device,
                precision: str = 'fp32') -> Optional[int]:
    """Tile size for :func:`derain` with ``tile=None``: ``None`` when the whole image fits.

    The whole image fits when its estimated forward memory (per-pixel cost times the
    pixels, see the module docstring) is at most half the free memory; otherwise the
    largest multiple of 64 whose square fits (at least :data:`MIN_AUTO_TILE`).
    """
    budget = _MEMORY_FRACTION * _available_bytes(device)
    per_pixel = as_backend(model, device, channels_last=False).bytes_per_pixel(precision)
    if per_pixel * height * width <= budget:
        return None
    side = int(math.sqrt(budget / per_pixel)) // 64 * 64
    return max(side, MIN_AUTO_TILE)


def _to_network_input(image: np.ndarray) -> tuple[torch.Tensor, Optional[np.ndarray]]:
    """(1, 3, H, W) float32 in [0, 1] and the alpha channel (or None) of an H x W (x C) image."""
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise ValueError(f'derain expects an H x W or H x W x C image with C in 1, 3, 4; got shape {image.shape}')
    if not (np.issubdtype(image.dtype, np.floating) or image.dtype in (np.uint8, np.uint16)):
        raise ValueError(f'derain expects uint8, uint16 or float images; got {image.dtype} (convert it first)')
    if min(image.shape[:2]) < 1:
        raise ValueError(f'derain needs an image of at least 1 x 1 pixels (smaller ones are padded to the '
                         f'network\'s multiple); got {image.shape[0]} x {image.shape[1]}')
    rgb = to_float01(image)  # (H, W, C)
    alpha = image[:, :, 3] if image.ndim == 3 and image.shape[2] == 4 else None
    rgb = np.repeat(rgb, 3, axis=2) if rgb.shape[2] == 1 else rgb[:, :, :3]
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))[None], alpha


def _from_network_output(pred: torch.Tensor, like: np.ndarray, alpha: Optional[np.ndarray]) -> np.ndarray:
    """An image shaped and typed like ``like`` from ``pred`` (1, 3, H, W) in [0, 1]."""
    rgb = pred[0].permute(1, 2, 0).numpy()  # (H, W, 3)
    if like.ndim == 2 or like.shape[2] == 1:
        rgb = rgb.mean(axis=2, keepdims=like.ndim == 3)
    out = from_float01(rgb, like.dtype) if like.dtype in (np.uint8, np.uint16) else rgb.astype(like.dtype)
    return np.concatenate([out, alpha[:, :, None]], axis=2) if alpha is not None else out


def derain(model: Union[nn.Module, Backend],
           image: np.ndarray,
           tile: Optional[int] = None,
           tile_overlap: int = 32,
           precision: str = 'fp32',
           device: Union[str, torch.device, None] = None,
           channels_last: bool = True,
           progress: Optional[Progress] = None) -> DerainResult:
    """Derain one image; the image and (when the model predicts one) its rain mask.

    Args:
        model: A ``Derainer`` (run through its generator), a bare network returning the
            prediction or a dict with ``'pred'`` (and optionally ``'masks'``), in eval mode;
            or a backend (:class:`TorchBackend`, ``OnnxBackend``, see :func:`load_backend`).
        image: ``H x W`` or ``H x W x C`` (C in 1, 3, 4), ``uint8``, ``uint16`` or float in [0, 1].
        tile: Tile side in pixels; ``None`` chooses automatically (whole image when it fits
            in memory, see :func:`choose_tile`); ``0`` forces the whole image.
        tile_overlap: Pixels shared by neighbouring tiles, blended with raised-cosine ramps.
        precision: ``'fp32'`` (exact), ``'bf16'`` (autocast, CPU or CUDA), ``'fp16'`` (CUDA only)
            or ``'auto'`` (bf16 where the device runs it natively, else fp32). ONNX Runtime
            runs the exported float32 graph (``'auto'`` and ``'fp32'`` only).
        device: Where to run a module; ``None`` keeps the model's device, ``'auto'`` picks
            CUDA if available. The model is moved there. Ignored for a backend.
        channels_last: Run a module in the channels-last memory format (converts the
            model's parameters in place; same results up to float rounding).
        progress: ``progress(done, total)`` after each tile (once for a whole image).

    Returns:
        :class:`DerainResult` with the image in the input's shape and dtype.

    Raises:
        NonFiniteOutputError: The network's output holds NaN or Inf.
        ValueError: ``tile`` or ``tile_overlap`` out of range (:func:`check_tiling`), or an unsupported image.
    """
    backend = as_backend(model, device, channels_last)
    precision = backend.resolve_precision(precision).precision
    check_tiling(tile, tile_overlap)
    x, alpha = _to_network_input(np.asarray(image))
    x = x.to(backend.device)
    height, width = x.shape[-2:]
    automatic = tile is None
    if automatic:
        tile = choose_tile(backend, height, width, backend.device, precision)
    while True:
        try:
            if tile and (tile < height or tile < width):
                if isinstance(backend, TorchBackend):
                    _warn_tiling(backend.model, tile, height, width)
                overlap = tile_overlap if tile_overlap < tile else tile // 2
                pred, masks = _forward_tiled(backend, x, tile, overlap, precision, progress)
            else:
                pred, masks = _forward(backend, x, precision)
                pred, masks = pred.cpu(), [mask.cpu() for mask in masks]
                if progress is not None:
                    progress(1, 1)
            break
        except (RuntimeError, torch.OutOfMemoryError) as error:
            next_tile = (tile or max(height, width)) // 2
            if not (automatic and _is_out_of_memory(error) and next_tile >= MIN_AUTO_TILE):
                raise
            if backend.device.type == 'cuda':
                torch.cuda.empty_cache()
            tile = next_tile
    level_masks = [mask[0, 0].numpy() for mask in masks]
    return DerainResult(image=_from_network_output(pred, np.asarray(image), alpha),
                        mask=level_masks[-1] if level_masks else None, level_masks=level_masks)


def derain_image(model: Union[nn.Module, Backend],
                 image: np.ndarray,
                 tile: Optional[int] = None,
                 tile_overlap: int = 32,
                 precision: str = 'fp32',
                 device: Union[str, torch.device, None] = None) -> np.ndarray:
    """The derained image of :func:`derain` (same shape and dtype as ``image``); see there for the arguments."""
    return derain(model, image, tile=tile, tile_overlap=tile_overlap, precision=precision, device=device).image


def load_backend(config: ConfigLike, model_file: Union[str, os.PathLike],
                 device: Union[str, torch.device, None] = 'auto') -> Backend:
    """The backend of a model file: ONNX Runtime for ``*.onnx``, else PyTorch (:func:`load_model`).

    Raises:
        FileNotFoundError, ValueError: as :func:`load_model`, or (ONNX) a file that is not a
            readable ONNX model or was exported for another network than ``config``'s.
        ImportError: ``onnxruntime`` is missing (``pip install -e .[deploy]``).
    """
    if Path(model_file).suffix.lower() == '.onnx':
        from derain_toolkit.deploy.onnx_backend import OnnxBackend
        return OnnxBackend(config, model_file)
    return TorchBackend(load_model(config, model_file, device))
