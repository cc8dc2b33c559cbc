"""tools/train.py and tools/test.py --precision: the default is fp32 on a CPU without native bfloat16; --amp."""
from contextlib import nullcontext
from pathlib import Path

import pytest


TINY = str(Path(__file__).resolve().parents[2] / 'configs' / 'restormer_tiny_synthetic.py')


def test_train_tool_auto_is_fp32_without_native_bf16_and_bf16_with_it(load_tool, tmp_path, request):
    """``--precision auto`` (the default): fp32 and the plain OptimWrapper on an AVX2 CPU (the suite's
    pinned CPU), bf16 and the CPU autocast wrapper where bfloat16 is native."""
    train = load_tool('train')
    args = train.parse_args([TINY, '--device', 'cpu', '--work-dir', str(tmp_path)])
    assert args.precision == 'auto'
    cfg = train.build_train_config(args)
    assert cfg.precision.precision == 'fp32' and 'no native bfloat16' in cfg.precision.reason
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    request.getfixturevalue('cpu_with_native_bf16')
    cfg = train.build_train_config(args)
    assert cfg.precision.precision == 'bf16' and 'avx512_bf16' in cfg.precision.reason
    assert cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'


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


@pytest.mark.parametrize('native_bf16', [False, True], ids=['avx2', 'avx512_bf16'])
def test_test_tool_autocasts_its_loop_when_asked_or_native(load_tool, tmp_path, request, native_bf16):
    """tools/test.py: auto autocasts only on a CPU with native bf16; an explicit bf16 always does (and
    warns where it is emulated)."""
    if native_bf16:
        request.getfixturevalue('cpu_with_native_bf16')
    test = load_tool('test')
    auto = test.build_test_config(test.parse_args([TINY, 'model.pth', '--device', 'cpu', '--out', str(tmp_path)]))
    assert bool((auto.get('test_cfg') or {}).get('fp16', False)) is native_bf16
    assert auto.precision.precision == ('bf16' if native_bf16 else 'fp32')
    with nullcontext() if native_bf16 else pytest.warns(UserWarning, match='emulates bfloat16'):
        bf16 = test.build_test_config(test.parse_args([TINY, 'model.pth', '--device', 'cpu', '--precision', 'bf16',
                                                       '--out', str(tmp_path)]))
    assert bf16.test_cfg.fp16 is True and bf16.precision.precision == 'bf16'
