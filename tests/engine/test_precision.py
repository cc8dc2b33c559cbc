"""--precision auto|fp32|bf16|fp16: the choice on mocked devices and the emulation warning."""
import warnings

import pytest
import torch

from derain_toolkit.engine import precision as precision_module
from derain_toolkit.engine.precision import (
    EMULATED_BF16_SLOWDOWN,
    cpu_flags,
    native_cpu_bf16,
    resolve_precision,
)

AVX2_FLAGS = {'fpu', 'sse4_2', 'avx', 'avx2', 'fma'}


@pytest.mark.parametrize('cuda_bf16, expected', [(True, 'bf16'), (False, 'fp32')])
def test_auto_on_cuda_follows_bf16_support(cuda_bf16, expected):
    choice = resolve_precision('auto', 'cuda', cuda_bf16=cuda_bf16)
    assert choice.precision == expected
    assert 'is_bf16_supported' in choice.reason


@pytest.mark.parametrize('extra_flags, capability, expected', [
    (set(), 'AVX2', 'fp32'),
    ({'avx512f', 'avx512bw'}, 'AVX512', 'fp32'),  # AVX-512 without its BF16 extension
    ({'avx512f', 'avx512_bf16'}, 'AVX512', 'bf16'),
    ({'amx_tile'}, 'AVX512', 'bf16'),
    ({'amx_bf16', 'amx_tile'}, 'AVX512', 'bf16'),
    (set(), 'AMX', 'bf16'),  # flags unreadable, torch reports AMX
])
def test_auto_on_cpu_takes_bf16_only_with_native_support(extra_flags, capability, expected):
    choice = resolve_precision('auto', 'cpu', flags=AVX2_FLAGS | extra_flags, capability=capability)
    assert choice.precision == expected
    assert choice.reason.startswith('auto: the CPU ' + ('computes' if expected == 'bf16' else 'has no'))


def test_explicit_bf16_on_an_emulating_cpu_warns_with_the_measured_cost():
    with pytest.warns(UserWarning) as record:
        choice = resolve_precision('bf16', 'cpu', flags=AVX2_FLAGS, capability='AVX2')
    assert choice.precision == 'bf16' and choice.dtype == torch.bfloat16
    message = str(record[0].message)
    assert f'{EMULATED_BF16_SLOWDOWN}x the fp32 time' in message
    assert 'capability AVX2' in message and '--precision auto or fp32' in message
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert resolve_precision('bf16', 'cpu', flags={'avx512_bf16'}, capability='AVX512').precision == 'bf16'
        assert resolve_precision('bf16', 'cuda', cuda_bf16=False).precision == 'bf16'  # asked for: no guessing


def test_fp16_needs_cuda_and_unknown_values_fail():
    with pytest.raises(ValueError, match='needs a CUDA device'):
        resolve_precision('fp16', 'cpu')
    assert resolve_precision('fp16', 'cuda:1').dtype == torch.float16
    assert resolve_precision('fp32', 'cpu').dtype is None
    with pytest.raises(ValueError, match="'auto', 'fp32', 'bf16', 'fp16'"):
        resolve_precision('half', 'cpu')


def test_cpu_flags_reads_the_flags_line(tmp_path):
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text('processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu avx2 amx_bf16\n\n'
                       'processor\t: 1\nflags\t\t: fpu\n')
    assert cpu_flags(str(cpuinfo)) == {'fpu', 'avx2', 'amx_bf16'}
    assert cpu_flags(str(tmp_path / 'absent')) == set()
    assert native_cpu_bf16(cpu_flags(str(cpuinfo)), 'AVX2') == 'CPU flag amx_bf16'
