"""tools/train_daclip.py: the official DA-CLIP caption file, its own flags in its messages, a tiny run."""
import os

import numpy as np
import pytest
import torch
from PIL import Image

from derain_toolkit.models.daclip.daclip_model import DACLIP

# As the official scripts/generate_captions.py writes it: pandas to_csv(sep='\t', index=False), so a
# field with a double quote is quoted and its quotes doubled.
OFFICIAL_CAPTIONS = ('filepath\ttitle\n'
                     'datasets/universal/train/rainy/LQ/rain-1.png\ta red car parked on a street: rainy\n'
                     'datasets/universal/train/hazy/LQ/12.png\t"a sign saying ""stop"" at noon: hazy"\n'
                     'datasets/universal/train/snowy/LQ/7.png\tbreakfast at 8: 30 in a café: snowy\n')


def test_reads_the_official_caption_file(load_tool, tmp_path):
    path = tmp_path / 'daclip_train.csv'
    path.write_text(OFFICIAL_CAPTIONS, encoding='utf-8')
    captions = load_tool('train_daclip').read_captions(str(path))
    assert captions == {
        os.path.normpath('datasets/universal/train/rainy/LQ/rain-1.png'): ('a red car parked on a street', 'rainy'),
        os.path.normpath('datasets/universal/train/hazy/LQ/12.png'): ('a sign saying "stop" at noon', 'hazy'),
        os.path.normpath('datasets/universal/train/snowy/LQ/7.png'): ('breakfast at 8: 30 in a café', 'snowy')}


def test_caption_file_errors_name_the_flag_and_line(load_tool, tmp_path):
    tool = load_tool('train_daclip')
    no_header = tmp_path / 'no_header.csv'
    no_header.write_text('key,caption\n1,a car\n')
    with pytest.raises(ValueError, match=r'--captions .*no_header\.csv.*filepath<TAB>title'):
        tool.read_captions(str(no_header))
    no_degradation = tmp_path / 'no_degradation.csv'
    no_degradation.write_text('filepath\ttitle\na.png\ta car in the rain\n')
    with pytest.raises(ValueError, match=r'--captions .* line 2: expected "filepath<TAB>caption: degradation"'):
        tool.read_captions(str(no_degradation))


def _paired_folder(root) -> None:
    rng = np.random.default_rng(0)
    for folder in ('input', 'target'):
        (root / folder).mkdir(parents=True)
        for n in (1, 2, 3):
            Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(root / folder / f'{n}.png')


def test_tiny_run_uses_the_captions_and_writes_an_official_controller(load_tool, one_thread, tmp_path, capsys,
                                                                      monkeypatch):
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
    out = tmp_path / 'controller.pth'
    torch.manual_seed(0)
    load_tool('train_daclip').main([str(config), '--captions', str(captions), '--tiny-random-clip', '--iters', '3',
                                    '--batch-size', '3', '--device', 'cpu', '--out', str(out)])
    assert '2 of 3 images have a caption' in capsys.readouterr().out
    assert {'a green field', 'a blue boat', 'rainy', 'raindrop', 'a photo of a clean scene'} >= set(seen)
    assert {'a green field', 'a blue boat', 'raindrop'} & set(seen)
    state = torch.load(out, weights_only=True)
    assert 'logit_scale' in state and all(k.startswith('visual_control.') for k in state if k != 'logit_scale')
    assert state['visual_control.transformer.zero_modules.0.weight'].abs().sum() > 0  # trained away from zero


def test_missing_clip_weights_name_this_scripts_flag(load_tool, tmp_path):
    config = tmp_path / 'dataset.py'
    config.write_text("train_dataloader = dict(dataset=dict(type='SyntheticRainDataset', num_samples=2, "
                      "image_size=32))\n")
    missing = tmp_path / 'open_clip_pytorch_model.bin'
    with pytest.raises(SystemExit) as error:
        load_tool('train_daclip').main([str(config), '--clip-pretrained', str(missing), '--out',
                                        str(tmp_path / 'c.pth')])
    message = str(error.value)
    assert f'--clip-pretrained {missing}' in message and '--cfg-options' not in message
    assert '--clip-pretrained /path/to/open_clip_pytorch_model.bin' in message
