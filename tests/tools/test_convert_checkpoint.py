"""tools/convert_checkpoint.py: an official file becomes a toolkit checkpoint every tool reads."""
from pathlib import Path

import numpy as np
import torch

from derain_toolkit.checkpoints.safe_checkpoint import load_local_checkpoint
from derain_toolkit.inference import derain_image, load_model

REPO = Path(__file__).resolve().parents[2]
OFFICIAL = REPO / 'tests' / 'fixtures' / 'official'
TINY_OFFICIAL_SHAPE = """_base_ = [{base!r}]
model = dict(backbone=dict(dim=4, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1, heads=(1, 2, 4, 8),
                           ffn_expansion_factor=2.66))
checkpoint_converter = {converter!r}
"""


def _config(tmp_path: Path, converter) -> str:
    path = tmp_path / f'tiny_{converter}.py'
    path.write_text(TINY_OFFICIAL_SHAPE.format(base=str(REPO / 'configs' / 'restormer_tiny_synthetic.py'),
                                               converter=converter))
    return str(path)


def test_converted_file_loads_without_a_converter(load_tool, tmp_path, capsys):
    dst = tmp_path / 'out' / 'restormer_tiny_toolkit.pth'
    status = load_tool('convert_checkpoint').main(
        [str(OFFICIAL / 'restormer_tiny.pth'), '--to', _config(tmp_path, 'restormer'), '--out', str(dst)])
    assert status == 0 and "official 'restormer' keys converted" in capsys.readouterr().out
    written = load_local_checkpoint(str(dst))
    assert all(key.startswith('backbone.') for key in written['state_dict'])
    assert written['meta']['converted_from'].endswith('restormer_tiny.pth')
    assert not list(dst.parent.glob('*.tmp'))

    model = load_model(_config(tmp_path, None), dst, device='cpu')  # plain toolkit checkpoint now
    io = torch.load(OFFICIAL / 'restormer_tiny_io.pt', weights_only=True)
    with torch.no_grad():
        torch.testing.assert_close(model.backbone(io['A/x']), io['A/out'], rtol=0, atol=2e-6)
    image = np.random.default_rng(0).random((13, 11, 3), dtype=np.float32)
    official = load_model(_config(tmp_path, 'restormer'), OFFICIAL / 'restormer_tiny.pth', device='cpu')
    np.testing.assert_array_equal(derain_image(model, image), derain_image(official, image))


def test_mismatch_names_the_key_and_writes_nothing(load_tool, tmp_path, capsys):
    state = torch.load(OFFICIAL / 'restormer_tiny.pth', weights_only=True)['params']
    state['skip_conv.weight'] = torch.zeros(8, 4, 1, 1)
    src = tmp_path / 'dual_pixel.pth'
    torch.save({'params': state}, src)
    dst = tmp_path / 'dst.pth'
    status = load_tool('convert_checkpoint').main([str(src), '--to', _config(tmp_path, 'restormer'), '--out', str(dst)])
    assert status == 2 and 'skip_conv.weight' in capsys.readouterr().err
    assert not dst.exists()
