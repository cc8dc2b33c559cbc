"""Pick the numeric precision of training and inference: ``--precision auto|fp32|bf16|fp16``.

``auto`` (the default of ``tools/train.py``, ``tools/test.py`` and ``tools/derain.py``)
takes bfloat16 autocast only where the device computes in bfloat16 natively, float32
otherwise:

* CUDA: ``torch.cuda.is_bf16_supported()`` (Ampere and later).
* CPU: the AVX-512 BF16 or AMX instructions, read from the ``flags`` line of
  ``/proc/cpuinfo`` (``avx512_bf16``, ``amx_bf16``, ``amx_tile``) or from torch's
  ``torch.backends.cpu.get_cpu_capability()`` (``'AVX512_BF16'``, ``'AMX'``...).

Without them, bfloat16 autocast is emulated and slow: on the 2-core AMD EPYC (AVX2) of
this project a Restormer forward at 1 x 3 x 256² took 8.6x as long in bf16 as in fp32
(issue 12; ``docs/benchmarks.md`` has the training-step figures). An explicit
``--precision bf16`` there still runs, with a warning that says so. ``fp16`` is
CUDA-only (float16 autocast with a dynamic loss scale).
"""
import warnings
from dataclasses import dataclass
from typing import Optional

import torch

PRECISIONS = ('auto', 'fp32', 'bf16', 'fp16')
AUTOCAST_DTYPES = {'fp32': None, 'bf16': torch.bfloat16, 'fp16': torch.float16}
NATIVE_BF16_CPU_FLAGS = ('avx512_bf16', 'amx_bf16', 'amx_tile')
# Measured on this project's machine (AMD EPYC, AVX2), Restormer forward at 1x3x256², issue 12.
EMULATED_BF16_SLOWDOWN = 8.6


@dataclass(frozen=True)
class PrecisionChoice:
    """A resolved precision and the reason it was chosen.

    Attributes:
        precision: ``'fp32'``, ``'bf16'`` or ``'fp16'``.
        reason: One sentence for the log.
    """

    precision: str
    reason: str

    @property
    def dtype(self) -> Optional[torch.dtype]:
        """The autocast dtype, or ``None`` for float32 (no autocast)."""
        return AUTOCAST_DTYPES[self.precision]


def cpu_flags(path: str = '/proc/cpuinfo') -> set[str]:
    """The CPU feature flags of the first ``flags`` line of ``path`` (empty where it cannot be read)."""
    try:
        with open(path) as cpuinfo:
            for line in cpuinfo:
                if line.startswith('flags'):
                    return set(line.split(':', 1)[1].split())
    except OSError:
        pass
    return set()


def native_cpu_bf16(flags: Optional[set[str]] = None, capability: Optional[str] = None) -> Optional[str]:
    """The evidence that this CPU computes bfloat16 natively, or ``None`` when it does not.

    Args:
        flags: CPU flags (default: :func:`cpu_flags`).
        capability: torch's CPU capability (default: ``torch.backends.cpu.get_cpu_capability()``).

    Returns:
        E.g. ``"CPU flag avx512_bf16"`` or ``"torch CPU capability AMX"``.
    """
    flags = cpu_flags() if flags is None else flags
    capability = torch.backends.cpu.get_cpu_capability() if capability is None else capability
    for flag in NATIVE_BF16_CPU_FLAGS:
        if flag in flags:
            return f'CPU flag {flag}'
    if 'AMX' in capability.upper() or 'BF16' in capability.upper():
        return f'torch CPU capability {capability}'
    return None


def emulated_bf16_warning(capability: str) -> str:
    """The warning for bfloat16 requested on a CPU that emulates it."""
    return (f'--precision bf16 on a CPU without native bfloat16 (torch CPU capability {capability}; no '
            f'{"/".join(NATIVE_BF16_CPU_FLAGS)} in /proc/cpuinfo): autocast emulates bfloat16 and is slow, '
            f'{EMULATED_BF16_SLOWDOWN}x the fp32 time for a Restormer forward at 256x256 on an AVX2 AMD EPYC '
            '(docs/benchmarks.md). Use --precision auto or fp32 here.')


def resolve_precision(requested: str, device: str, cuda_bf16: Optional[bool] = None,
                      flags: Optional[set[str]] = None, capability: Optional[str] = None) -> PrecisionChoice:
    """Resolve ``--precision`` on ``device``; warn where an explicit bf16 will be emulated.

    Args:
        requested: One of :data:`PRECISIONS`.
        device: ``'cpu'`` or ``'cuda'`` (``cuda:N`` too).
        cuda_bf16: Whether the GPU has bfloat16 (default: ``torch.cuda.is_bf16_supported()``).
        flags: CPU flags (default: read from ``/proc/cpuinfo``).
        capability: torch's CPU capability (default: asked from torch).

    Raises:
        ValueError: An unknown precision, or ``fp16`` on the CPU.
    """
    if requested not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got {requested!r}')
    on_cuda = str(device).startswith('cuda')
    if requested == 'fp16' and not on_cuda:
        raise ValueError('--precision fp16 needs a CUDA device; on the CPU use --precision auto, fp32 or bf16')
    if on_cuda:
        if requested != 'auto':
            return PrecisionChoice(requested, f'--precision {requested} requested')
        cuda_bf16 = torch.cuda.is_bf16_supported() if cuda_bf16 is None else cuda_bf16
        return (PrecisionChoice('bf16', 'auto: the GPU supports bfloat16 (torch.cuda.is_bf16_supported)')
                if cuda_bf16 else
                PrecisionChoice('fp32', 'auto: the GPU has no bfloat16 (torch.cuda.is_bf16_supported is False)'))
    capability = torch.backends.cpu.get_cpu_capability() if capability is None else capability
    native = native_cpu_bf16(flags, capability)
    if requested == 'auto':
        return (PrecisionChoice('bf16', f'auto: the CPU computes bfloat16 natively ({native})') if native else
                PrecisionChoice('fp32', f'auto: the CPU has no native bfloat16 (torch CPU capability {capability}, '
                                f'no {"/".join(NATIVE_BF16_CPU_FLAGS)} flag), bfloat16 would be emulated'))
    if requested == 'bf16' and native is None:
        warnings.warn(emulated_bf16_warning(capability), stacklevel=2)
    return PrecisionChoice(requested, f'--precision {requested} requested')
