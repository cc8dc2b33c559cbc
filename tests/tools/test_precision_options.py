"""tools/train.py and tools/test.py --precision: the default is fp32 on a CPU without native bfloat16; --amp."""
from contextlib import nullcontext
from pathlib import Path

import pytest

from derain_toolkit.engine import precision as precision_module
from derain_toolkit.engine.precision import native_cpu_bf16

TINY = str(Path(__file__).resolve().parents[2] / 'configs' / 'restormer_tiny_synthetic.py')
AVX2_FLAGS = {'fpu', 'sse4_2', 'avx', 'avx2', 'fma'}


def test_train_tool_defaults_to_fp32_on_this_cpu(load_tool, tmp_path, monkeypatch):
    """This machine (AVX2, no avx512_bf16/amx): the default is fp32 and the plain OptimWrapper."""
    if native_cpu_bf16() is not None:
        pytest.skip('this CPU computes bfloat16 natively: auto picks bf16 here')
    train = load_tool('train')
    args = train.parse_args([TINY, '--device', 'cpu',
                             '--work-dir', str(tmp_path)])
    assert args.precision == 'auto'
    cfg = train.build_train_config(args)
    assert cfg.precision.precision == 'fp32' and 'no native bfloat16' in cfg.precision.reason
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    # The same tool on a (mocked) CPU with AMX picks bf16 and the CPU autocast wrapper.
    monkeypatch.setattr(precision_module, 'cpu_flags', lambda: AVX2_FLAGS | {'amx_bf16', 'amx_tile'})
    cfg = train.build_train_config(args)
    assert cfg.precision.precision == 'bf16' and cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'


def test_train_tool_amp_is_a_deprecated_alias(load_tool, tmp_path):
    train = load_tool('train')
    args = train.parse_args([TINY, '--device', 'cpu', '--amp',
                             '--work-dir', str(tmp_path)])
    with pytest.warns(FutureWarning, match='--amp is deprecated; it means --precision bf16 on cpu'):
        cfg = train.build_train_config(args)
    assert cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'
    with pytest.raises(ValueError, match='--amp and --precision fp32 disagree'):
        train.build_train_config(train.parse_args([TINY, '--device', 'cpu',
                                                   '--amp', '--precision', 'fp32']))


def test_test_tool_autocasts_its_loop_only_when_asked(load_tool, tmp_path):
    test = load_tool('test')
    auto = test.build_test_config(test.parse_args([TINY, 'model.pth', '--device', 'cpu', '--out', str(tmp_path)]))
    assert not (auto.get('test_cfg') or {}).get('fp16', False)
    with pytest.warns(UserWarning, match='emulates bfloat16') if native_cpu_bf16() is None else nullcontext():
        bf16 = test.build_test_config(test.parse_args([TINY, 'model.pth', '--device', 'cpu', '--precision', 'bf16',
                                                       '--out', str(tmp_path)]))
    assert bf16.test_cfg.fp16 is True and bf16.precision.precision == 'bf16'
