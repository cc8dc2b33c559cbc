"""CUDA variants: the same tiny models on a GPU as on the CPU. Skipped without a GPU (``scripts/gpu_check.sh``
runs them where one exists: ``pytest -m cuda``); the CPU-side device checks are tests/models/test_meta_device.py."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from derain_toolkit.build import build_model
from derain_toolkit.inference import derain_image

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')]
REPO = Path(__file__).resolve().parents[1]
TINY = sorted(path.name[:-len('_tiny_synthetic.py')] for path in (REPO / 'configs').glob('*_tiny_synthetic.py'))


def _pair(name: str) -> tuple[torch.nn.Module, torch.nn.Module]:
    init_default_scope('derain_toolkit')
    cfg = Config.fromfile(REPO / 'configs' / f'{name}_tiny_synthetic.py')
    torch.manual_seed(0)
    cpu = build_model(cfg).train()
    torch.manual_seed(0)
    gpu = build_model(cfg).train().cuda()
    gpu.load_state_dict(cpu.state_dict())
    return cpu, gpu


@pytest.mark.parametrize('name', TINY)
def test_loss_and_gradients_on_cuda_equal_the_cpus(name):
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    cpu, gpu = _pair(name)
    generator = torch.Generator().manual_seed(1)
    inputs, gt = torch.rand(2, 3, 32, 32, generator=generator), torch.rand(2, 3, 32, 32, generator=generator)
    meta = [dict(key='a'), dict(key='b')]
    losses = {}
    for model, device in ((cpu, 'cpu'), (gpu, 'cuda')):
        torch.manual_seed(2)  # the IR-SDE's time steps and noise come from torch's global generator on the CPU
        loss = sum(model(inputs.to(device), dict(gt=gt.to(device), meta=meta), mode='loss').values())
        loss.backward()
        losses[device] = loss.item()
    assert losses['cuda'] == pytest.approx(losses['cpu'], rel=1e-4)
    for (key, p_cpu), p_gpu in zip(cpu.named_parameters(), gpu.parameters()):
        if p_cpu.grad is not None:
            torch.testing.assert_close(p_gpu.grad.cpu(), p_cpu.grad, rtol=1e-3, atol=1e-5, msg=key)


@pytest.mark.parametrize('name', TINY)
def test_derain_on_cuda_in_fp32_and_bf16(name):
    cpu, gpu = _pair(name)
    image = (torch.rand(40, 36, 3, generator=torch.Generator().manual_seed(3)) * 255).byte().numpy()
    on_cpu = derain_image(cpu.eval(), image, device='cpu').astype(int)
    on_gpu = derain_image(gpu.eval(), image, device='cuda').astype(int)
    if 'irsde' not in name:  # the sampler's noise comes from a generator on the input's device
        assert abs(on_gpu - on_cpu).max() <= 1
    bf16 = derain_image(gpu, image, device='cuda', precision='bf16').astype(int)
    assert bf16.shape == on_gpu.shape and abs(bf16 - on_gpu).mean() < 8


def test_train_tool_on_cuda_picks_bf16_and_resumes(load_tool, tmp_path):
    train = load_tool('train')
    base = [str(REPO / 'configs' / 'restormer_tiny_synthetic.py'), '--device', 'cuda', '--work-dir', str(tmp_path)]
    options = ['--cfg-options', 'train_dataloader.dataset.image_size=32', 'val_dataloader.dataset.num_samples=2',
               'default_hooks.checkpoint.interval=2']
    runner = train.main(base + options + ['train_cfg.max_iters=2'])
    assert runner.cfg.precision.precision == ('bf16' if torch.cuda.is_bf16_supported() else 'fp32')
    assert next(runner.model.parameters()).is_cuda
    resumed = train.main(base + ['--resume'] + options + ['train_cfg.max_iters=4'])
    assert resumed.iter == 4
