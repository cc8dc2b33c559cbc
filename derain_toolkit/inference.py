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
"""
import contextlib
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.build import ConfigLike, build_model, load_config
from derain_toolkit.checkpoints.import_checkpoint import load_checkpoint_file
from derain_toolkit.engine.options import resolve_device
from derain_toolkit.engine.precision import AUTOCAST_DTYPES, resolve_precision
from derain_toolkit.models.derainer import Derainer
from derain_toolkit.utils.image_io import from_float01, to_float01

MIN_AUTO_TILE = 128
_PROBE_SIZE = 64
_CPU_LIVE_FACTOR = 4.0
_MEMORY_FRACTION = 0.5


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
    return model.to(resolve_device(device)).eval()


def _run_network(model: nn.Module, x: torch.Tensor) -> dict[str, Any]:
    """Outputs of a ``Derainer`` (through its generator and test-time procedure) or of a bare network, as a
    dict with ``pred``."""
    if isinstance(model, Derainer):
        return model.restore(x)
    out = model(x)
    return dict(out) if isinstance(out, dict) else {'pred': out}


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


def _forward(model: nn.Module, x: torch.Tensor, precision: str) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """One forward on ``x`` (1, 3, h, w): the prediction (1, 3, h, w) and the level masks (1, 1, h, w) each."""
    dtype = AUTOCAST_DTYPES[precision]
    autocast = (torch.autocast(device_type=x.device.type, dtype=dtype) if dtype is not None
                else contextlib.nullcontext())
    with torch.inference_mode(), autocast:
        outputs = _run_network(model, x)
    pred = outputs['pred'].float().clamp(0, 1)
    return pred, _level_masks(outputs.get('masks'), tuple(x.shape[-2:]), _pad_multiple(model))


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


def _forward_tiled(model: nn.Module, x: torch.Tensor, tile: int, overlap: int,
                   precision: str) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Blend the forwards of overlapping tiles of ``x`` (1, 3, H, W); accumulators stay on the CPU."""
    height, width = x.shape[-2:]
    rows, cols = _tile_starts(height, tile, overlap), _tile_starts(width, tile, overlap)
    pred_sum = torch.zeros(1, 3, height, width)
    mask_sums: list[torch.Tensor] = []
    weight_sum = torch.zeros(1, 1, height, width)
    for top in rows:
        for left in cols:
            h, w = min(tile, height), min(tile, width)
            pred, masks = _forward(model, x[..., top:top + h, left:left + w], precision)
            weight = (_ramp(h, overlap, top > 0, top + h < height)[:, None]
                      * _ramp(w, overlap, left > 0, left + w < width)[None, :])  # (h, w)
            pred_sum[..., top:top + h, left:left + w] += pred.cpu() * weight
            mask_sums = mask_sums or [torch.zeros(1, 1, height, width) for _ in masks]
            for mask_sum, mask in zip(mask_sums, masks):
                mask_sum[..., top:top + h, left:left + w] += mask.cpu() * weight
            weight_sum[..., top:top + h, left:left + w] += weight
    return pred_sum / weight_sum, [mask_sum / weight_sum for mask_sum in mask_sums]


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
        _forward(model, probe, precision)
        peak = torch.cuda.max_memory_allocated(device) - base
    else:
        largest = [0]

        def record(_module, _inputs, output):
            if isinstance(output, torch.Tensor):
                largest[0] = max(largest[0], output.numel() * output.element_size())

        handles = [m.register_forward_hook(record) for m in model.modules() if not list(m.children())]
        try:
            _forward(model, probe, precision)
        finally:
            for handle in handles:
                handle.remove()
        peak = _CPU_LIVE_FACTOR * largest[0]
    cache[key] = peak / _PROBE_SIZE**2
    return cache[key]


def choose_tile(model: nn.Module, height: int, width: int, device: torch.device,
                precision: str = 'fp32') -> Optional[int]:
    """Tile size for :func:`derain` with ``tile=None``: ``None`` when the whole image fits.

    The whole image fits when its estimated forward memory (per-pixel cost times the
    pixels, see the module docstring) is at most half the free memory; otherwise the
    largest multiple of 64 whose square fits (at least :data:`MIN_AUTO_TILE`).
    """
    budget = _MEMORY_FRACTION * _available_bytes(device)
    per_pixel = _bytes_per_pixel(model, device, precision)
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


def derain(model: nn.Module,
           image: np.ndarray,
           tile: Optional[int] = None,
           tile_overlap: int = 32,
           precision: str = 'fp32',
           device: Union[str, torch.device, None] = None,
           channels_last: bool = True) -> DerainResult:
    """Derain one image; the image and (when the model predicts one) its rain mask.

    Args:
        model: A ``Derainer`` (run through its generator) or a bare network returning the
            prediction or a dict with ``'pred'`` (and optionally ``'masks'``). Put it in eval mode.
        image: ``H x W`` or ``H x W x C`` (C in 1, 3, 4), ``uint8``, ``uint16`` or float in [0, 1].
        tile: Tile side in pixels; ``None`` chooses automatically (whole image when it fits
            in memory, see :func:`choose_tile`); ``0`` forces the whole image.
        tile_overlap: Pixels shared by neighbouring tiles, blended with raised-cosine ramps.
        precision: ``'fp32'`` (exact), ``'bf16'`` (autocast, CPU or CUDA), ``'fp16'`` (CUDA only)
            or ``'auto'`` (bf16 where the device runs it natively, else fp32).
        device: Where to run; ``None`` keeps the model's device, ``'auto'`` picks CUDA if
            available. The model is moved there.
        channels_last: Run in the channels-last memory format (converts the model's
            parameters in place; same results up to float rounding).

    Returns:
        :class:`DerainResult` with the image in the input's shape and dtype.
    """
    device = next(model.parameters()).device if device is None else resolve_device(device)
    precision = resolve_precision(precision, device.type).precision
    if tile is not None and tile > 0 and not 0 <= tile_overlap < tile:
        raise ValueError(f'tile_overlap must be in [0, tile) = [0, {tile}), got {tile_overlap}')
    model.to(device)
    x, alpha = _to_network_input(np.asarray(image))
    x = x.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    height, width = x.shape[-2:]
    automatic = tile is None
    if automatic:
        tile = choose_tile(model, height, width, device, precision)
    while True:
        try:
            if tile and (tile < height or tile < width):
                overlap = tile_overlap if tile_overlap < tile else tile // 2
                pred, masks = _forward_tiled(model, x, tile, overlap, precision)
            else:
                pred, masks = _forward(model, x, precision)
                pred, masks = pred.cpu(), [mask.cpu() for mask in masks]
            break
        except (RuntimeError, torch.OutOfMemoryError) as error:
            next_tile = (tile or max(height, width)) // 2
            if not (automatic and _is_out_of_memory(error) and next_tile >= MIN_AUTO_TILE):
                raise
            if device.type == 'cuda':
                torch.cuda.empty_cache()
            tile = next_tile
    level_masks = [mask[0, 0].numpy() for mask in masks]
    return DerainResult(image=_from_network_output(pred, np.asarray(image), alpha),
                        mask=level_masks[-1] if level_masks else None, level_masks=level_masks)


def derain_image(model: nn.Module,
                 image: np.ndarray,
                 tile: Optional[int] = None,
                 tile_overlap: int = 32,
                 precision: str = 'fp32',
                 device: Union[str, torch.device, None] = None) -> np.ndarray:
    """The derained image of :func:`derain` (same shape and dtype as ``image``); see there for the arguments."""
    return derain(model, image, tile=tile, tile_overlap=tile_overlap, precision=precision, device=device).image
