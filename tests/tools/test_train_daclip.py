"""tools/train_daclip.py on the Runner: the official DA-CLIP caption file, its own flags in its messages, a tiny
run that resumes and writes an official controller file."""
import os

import numpy as np
import pytest
import torch
from PIL import Image

from derain_toolkit.datasets.captioned_rain_dataset import read_captions
from derain_toolkit.models.daclip.daclip_model import DACLIP

# As the official scripts/generate_captions.py writes it: pandas to_csv(sep='\t', index=False), so a
# field with a double quote is quoted and its quotes doubled.
OFFICIAL_CAPTIONS = ('filepath\ttitle\n'
                     'datasets/universal/train/rainy/LQ/rain-1.png\ta red car parked on a street: rainy\n'
                     'datasets/universal/train/hazy/LQ/12.png\t"a sign saying ""stop"" at noon: hazy"\n'
                     'datasets/universal/train/snowy/LQ/7.png\tbreakfast at 8: 30 in a café: snowy\n')


def test_reads_the_official_caption_file(tmp_path):
    path = tmp_path / 'daclip_train.csv'
    path.write_text(OFFICIAL_CAPTIONS, encoding='utf-8')
    captions = read_captions(str(path))
    assert captions == {
        os.path.normpath('datasets/universal/train/rainy/LQ/rain-1.png'): ('a red car parked on a street', 'rainy'),
        os.path.normpath('datasets/universal/train/hazy/LQ/12.png'): ('a sign saying "stop" at noon', 'hazy'),
        os.path.normpath('datasets/universal/train/snowy/LQ/7.png'): ('breakfast at 8: 30 in a café', 'snowy')}


def test_caption_file_errors_name_the_file_and_line(tmp_path):
    no_header = tmp_path / 'no_header.csv'
    no_header.write_text('key,caption\n1,a car\n')
    with pytest.raises(ValueError, match=r'captions file .*no_header\.csv.*filepath<TAB>title'):
        read_captions(str(no_header))
    no_degradation = tmp_path / 'no_degradation.csv'
    no_degradation.write_text('filepath\ttitle\na.png\ta car in the rain\n')
    with pytest.raises(ValueError, match=r'captions file .* line 2: expected "filepath<TAB>caption: degradation"'):
        read_captions(str(no_degradation))


def _paired_folder(root) -> None:
    rng = np.random.default_rng(0)
    for folder in ('input', 'target'):
        (root / folder).mkdir(parents=True)
        for n in (1, 2, 3):
            Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(root / folder / f'{n}.png')


def test_tiny_run_on_the_runner_uses_the_captions_resumes_and_writes_an_official_controller(
        load_tool, tmp_path, monkeypatch):
    data = tmp_path / 'data'
    _paired_folder(data)
    config = tmp_path / 'dataset.py'
    config.write_text(f"train_dataloader = dict(dataset=dict(type='PairedRainDataset', data_root='{data}', "
                      "layout='input_target', pipeline=[dict(type='PairedToTensor')]))\n")
    captions = tmp_path / 'captions.csv'
    captions.write_text('filepath\ttitle\n'
                        f'{data}/input/1.png\ta green field: rainy\n'  # by path
                        'elsewhere/rainy/LQ/2.png\ta blue boat: raindrop\n', encoding='utf-8')  # by unique name
    seen = []
    tokenize = DACLIP.tokenize
    monkeypatch.setattr(DACLIP, 'tokenize', lambda self, texts: seen.extend(texts) or tokenize(self, texts))
    out, work = tmp_path / 'controller.pth', tmp_path / 'work'
    argv = [str(config), '--captions', str(captions), '--tiny-random-clip', '--batch-size', '3', '--global-batch',
            '6', '--warmup', '0', '--device', 'cpu', '--work-dir', str(work), '--out', str(out),
            '--cfg-options', 'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
            'default_hooks.checkpoint.interval=1']
    tool = load_tool('train_daclip')
    torch.manual_seed(0)
    runner = tool.main(argv[:1] + ['--iters', '1'] + argv[1:])
    assert runner.iter == 2  # 1 optimizer step of 6 images = 2 accumulated iterations of 3
    assert {'a green field', 'a blue boat', 'rainy', 'raindrop', 'a photo of a clean scene'} >= set(seen)
    assert {'a green field', 'a blue boat', 'raindrop'} & set(seen)
    first = torch.load(out, weights_only=True)
    assert 'logit_scale' in first and all(k.startswith('visual_control.') for k in first if k != 'logit_scale')
    assert first['visual_control.transformer.zero_modules.0.weight'].abs().sum() > 0  # trained away from zero
    log = sorted(work.glob('*/*.log'))[-1].read_text()
    assert '2 of 3 images have a caption' in log and 'x 2 accumulated' in log
    resumed = tool.main(argv[:1] + ['--iters', '2', '--resume'] + argv[1:])
    assert resumed.iter == 4
    second = torch.load(out, weights_only=True)
    assert not torch.equal(second['visual_control.transformer.zero_modules.0.weight'],
                           first['visual_control.transformer.zero_modules.0.weight'])


def test_missing_clip_weights_name_this_scripts_flag(load_tool, tmp_path):
    config = tmp_path / 'dataset.py'
    config.write_text("train_dataloader = dict(dataset=dict(type='SyntheticRainDataset', num_samples=2, "
                      "image_size=32))\n")
    missing = tmp_path / 'open_clip_pytorch_model.bin'
    with pytest.raises(SystemExit) as error:
        load_tool('train_daclip').main([str(config), '--clip-pretrained', str(missing), '--out',
                                        str(tmp_path / 'c.pth'), '--work-dir', str(tmp_path / 'work')])
    message = str(error.value)
    assert f'--clip-pretrained {missing}' in message and '--cfg-options' not in message
    assert '--clip-pretrained /path/to/open_clip_pytorch_model.bin' in message
