"""tools/derain.py: bit depths and alpha kept, bad files reported by name, inputs never overwritten."""
import os
import stat
from pathlib import Path

import numpy as np
import pytest
import torch

from derain_toolkit import build_model
from derain_toolkit.inference import derain_image, load_model
from derain_toolkit.registry import SAMPLERS
from derain_toolkit.utils.image_io import read_image, to_float01, write_image

CONFIG = """model = dict(type='Derainer', backbone=dict(type='RestormerUNet', dim=8, num_blocks=(1, 1, 1),
                                            num_refinement_blocks=1, heads=(1, 1, 2), ffn_expansion_factor=2.0))
"""


@pytest.fixture
def derain_tool(load_tool):
    return load_tool('derain')


@pytest.fixture
def model_files(tmp_path):
    """A config file and an mmengine-format checkpoint of a tiny random Restormer."""
    config = tmp_path / 'tiny.py'
    config.write_text(CONFIG)
    torch.manual_seed(0)
    model = build_model(str(config))
    checkpoint = tmp_path / 'iter_1.pth'
    torch.save(dict(meta=dict(iter=1), state_dict=model.state_dict()), checkpoint)
    return str(config), str(checkpoint)


def _write_inputs(folder: Path) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    good = {
        'rgb8.png': rng.integers(0, 256, (20, 27, 3), dtype=np.uint8),
        'gray16.png': rng.integers(0, 65536, (17, 24, 1), dtype=np.uint16),
        'rgba16.png': rng.integers(0, 65536, (16, 19, 4), dtype=np.uint16),
    }
    for name, image in good.items():
        write_image(folder / name, image)
    (folder / 'empty.png').write_bytes(b'')
    (folder / 'truncated.png').write_bytes((folder / 'rgb8.png').read_bytes()[:60])
    (folder / 'notes.jpg').write_text('this is not an image\n')
    return good


def test_derain_folder_keeps_depth_and_alpha_and_reports_bad_files(derain_tool, model_files, tmp_path, capsys):
    good = _write_inputs(tmp_path / 'rainy')
    out = tmp_path / 'out'
    status = derain_tool.main([*model_files, str(tmp_path / 'rainy'), '--out', str(out), '--compare'])
    captured = capsys.readouterr()
    assert status == 1
    assert 'derained 3 of 6 images' in captured.out and '3 failed' in captured.out
    for bad in ('empty.png', 'truncated.png', 'notes.jpg'):
        assert bad in captured.out and bad in captured.err
        assert not (out / bad).exists()
    for name, image in good.items():
        result = read_image(out / name)
        assert result.dtype == image.dtype and result.shape == image.shape
    np.testing.assert_array_equal(read_image(out / 'rgba16.png')[:, :, 3], good['rgba16.png'][:, :, 3])
    assert np.any(read_image(out / 'gray16.png') % 257 != 0)  # written from 16-bit values
    strip = read_image(out / 'compare' / 'rgb8.png')
    assert strip.shape == (20, 2 * 27, 3)
    np.testing.assert_array_equal(strip[:, :27], good['rgb8.png'])
    np.testing.assert_array_equal(strip[:, 27:], read_image(out / 'rgb8.png'))


def test_glob_and_single_file_inputs(derain_tool, model_files, tmp_path):
    good = _write_inputs(tmp_path / 'rainy')
    out = tmp_path / 'out'
    status = derain_tool.main([*model_files, str(tmp_path / 'rainy' / 'rgb8*.png'),
                               str(tmp_path / 'rainy' / 'gray16.png'), '--out', str(out), '--tile', '16',
                               '--tile-overlap', '8'])
    assert status == 0
    assert sorted(p.name for p in out.iterdir()) == ['gray16.png', 'rgb8.png']
    assert read_image(out / 'rgb8.png').shape == good['rgb8.png'].shape


def test_output_never_overwrites_its_input(derain_tool, model_files, tmp_path, capsys):
    folder = tmp_path / 'rainy'
    _write_inputs(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    status = derain_tool.main([*model_files, str(folder), '--out', str(folder)])
    assert status == 1
    assert 'would overwrite the input' in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_bad_checkpoint_is_named(derain_tool, model_files, tmp_path, capsys):
    _write_inputs(tmp_path / 'rainy')
    broken = tmp_path / 'broken.pth'
    broken.write_bytes(b'\x00' * 10)
    status = derain_tool.main([model_files[0], str(broken), str(tmp_path / 'rainy'), '--out', str(tmp_path / 'o')])
    assert status == 2
    assert 'broken.pth' in capsys.readouterr().err


@pytest.fixture
def nan_checkpoint(model_files, tmp_path):
    """The tiny model with one NaN in its output convolution: every output pixel is NaN."""
    state = torch.load(model_files[1], weights_only=True)['state_dict']
    state['backbone.output.weight'][0, 0, 0, 0] = float('nan')
    path = tmp_path / 'diverged.pth'
    torch.save(dict(meta=dict(iter=1), state_dict=state), path)
    return str(path)


def test_non_finite_output_fails_naming_image_and_checkpoint(derain_tool, model_files, nan_checkpoint, tmp_path,
                                                             capsys):
    _write_inputs(tmp_path / 'rainy')
    out = tmp_path / 'out'
    status = derain_tool.main([model_files[0], nan_checkpoint, str(tmp_path / 'rainy' / 'rgb8.png'), '--out', str(out)])
    captured = capsys.readouterr()
    assert status == 1 and 'derained 0 of 1 images' in captured.out and '1 failed' in captured.out
    line = next(line for line in captured.out.splitlines() if 'rgb8.png' in line and 'not finite' in line)
    assert nan_checkpoint in line and 'NaN' in line
    assert not out.exists() or not list(out.rglob('*.png'))  # no black image


def test_same_names_from_two_folders_are_refused_before_anything_runs(derain_tool, model_files, tmp_path, capsys):
    for folder in ('a', 'b'):
        write_image(tmp_path / folder / 'x.png', np.zeros((8, 8, 3), np.uint8))
    status = derain_tool.main([*model_files, str(tmp_path / 'a'), str(tmp_path / 'b'), '--out', str(tmp_path / 'out')])
    err = capsys.readouterr().err
    assert status == 2 and not (tmp_path / 'out').exists()
    assert str(tmp_path / 'a' / 'x.png') in err and str(tmp_path / 'b' / 'x.png') in err and 'separate --out' in err


def test_exif_orientation_is_honoured_and_outputs_have_the_usual_mode(derain_tool, model_files, tmp_path):
    from PIL import Image
    stored = np.random.default_rng(1).integers(0, 256, (12, 20, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90 degrees clockwise
    (tmp_path / 'rainy').mkdir()
    Image.fromarray(stored).save(tmp_path / 'rainy' / 'photo.png', exif=exif)
    previous = os.umask(0o022)
    try:
        status = derain_tool.main([*model_files, str(tmp_path / 'rainy'), '--out', str(tmp_path / 'out')])
    finally:
        os.umask(previous)
    assert status == 0
    model = load_model(*model_files, device='cpu')
    expected = derain_image(model, np.rot90(stored, k=-1).copy())  # the upright photo, as a viewer shows it
    np.testing.assert_array_equal(read_image(tmp_path / 'out' / 'photo.png'), expected)
    assert stat.S_IMODE((tmp_path / 'out' / 'photo.png').stat().st_mode) == 0o644


def test_gifs_in_folders_first_frame_with_a_warning(derain_tool, model_files, tmp_path, capsys):
    from PIL import Image
    frames = [np.full((10, 12, 3), value, np.uint8) for value in (40, 120, 200)]
    folder = tmp_path / 'rainy'
    folder.mkdir()
    Image.fromarray(frames[0]).save(folder / 'anim.gif', save_all=True,
                                    append_images=[Image.fromarray(f) for f in frames[1:]])
    Image.fromarray(frames[1]).save(folder / 'still.gif')
    status = derain_tool.main([*model_files, str(folder), '--out', str(tmp_path / 'out')])
    captured = capsys.readouterr()
    assert status == 0 and 'derained 2 of 2 images' in captured.out
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['anim.png', 'still.png']
    assert f'{folder / "anim.gif"} is animated (3 frames): only its first frame is derained' in captured.err
    assert 'still.gif' not in captured.err
    model = load_model(*model_files, device='cpu')
    derained = read_image(tmp_path / 'out' / 'anim.png')  # GIFs decode as RGBA: the alpha (opaque) is kept
    np.testing.assert_array_equal(derained[:, :, :3], derain_image(model, frames[0]))
    assert (derained[:, :, 3] == 255).all()


@pytest.mark.parametrize('options, message', [(['--tile', '-1'], '--tile must be 0 (whole image)'),
                                              (['--tile', '16', '--tile-overlap', '16'], '--tile-overlap must be in')])
def test_bad_tiling_is_refused_before_the_model_loads(derain_tool, model_files, tmp_path, capsys, monkeypatch,
                                                      options, message):
    _write_inputs(tmp_path / 'rainy')
    monkeypatch.setattr(derain_tool, 'load_backend', lambda *a, **k: pytest.fail('the model must not be loaded'))
    status = derain_tool.main([*model_files, str(tmp_path / 'rainy'), '--out', str(tmp_path / 'out'), *options])
    assert status == 2 and message in capsys.readouterr().err


IRSDE_CONFIG = """model = dict(type='Derainer',
             backbone=dict(type='ConditionalUNet', nf=8, ch_mult=(1, 2), attention='none'),
             generator=dict(type='IRSDEGenerator', num_steps=20, progress_bar=False,
                            sampler=dict(type='PosteriorSampler', steps=20)))
"""


def test_sampler_comes_from_the_config_and_cfg_options(derain_tool, tmp_path, capsys):
    """--cfg-options model.generator.sampler.* switches the sampler: the output is that of the MR Sampler."""
    config = tmp_path / 'irsde.py'
    config.write_text(IRSDE_CONFIG)
    torch.manual_seed(0)
    model = build_model(str(config))
    checkpoint = tmp_path / 'iter_1.pth'
    torch.save(dict(meta=dict(iter=1), state_dict=model.state_dict()), checkpoint)
    rainy = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    write_image(tmp_path / 'rainy.png', rainy)
    options = ['model.generator.sampler.type=MRSampler', 'model.generator.sampler.steps=4']
    assert derain_tool.main([str(config), str(checkpoint), str(tmp_path / 'rainy.png'), '--out', str(tmp_path / 'mrs'),
                             '--precision', 'fp32', '--cfg-options', *options]) == 0
    assert derain_tool.main([str(config), str(checkpoint), str(tmp_path / 'rainy.png'), '--out', str(tmp_path / 'post'),
                             '--precision', 'fp32']) == 0
    mrs = load_model(str(config), checkpoint, 'cpu')
    mrs.generator.sampler = SAMPLERS.build(dict(type='MRSampler', steps=4))
    x = torch.from_numpy(to_float01(rainy)).permute(2, 0, 1)[None].float()
    want = (mrs.generator.sample(mrs.backbone, x)['pred'][0].permute(1, 2, 0).numpy() * 255).round()
    got = read_image(tmp_path / 'mrs' / 'rainy.png').astype(np.float64)
    assert np.abs(got - want).max() <= 1
    assert np.abs(got - read_image(tmp_path / 'post' / 'rainy.png').astype(np.float64)).max() > 1
    capsys.readouterr()
    assert derain_tool.main([str(config), str(checkpoint), str(tmp_path / 'rainy.png'), '--out', str(tmp_path / 'bad'),
                             '--cfg-options', 'model.generator.sampler.type=DDIM']) == 2
    assert 'model.generator.sampler.type must be one of' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        derain_tool.parse_args(['--help'])
    assert 'model.generator.sampler.type=MRSampler' in ' '.join(capsys.readouterr().out.split())
