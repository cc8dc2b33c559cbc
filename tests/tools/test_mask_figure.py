"""CLIP-RPN Fig. 9: tools/derain.py --compare --all-masks puts every MGCA level's mask beside the image."""
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from derain_toolkit import build_model, load_config
from derain_toolkit.utils.image_io import read_image, write_image

# The tiny 4-level CLIP-RPN (three MGCA levels, three masks); the tiny demo config has two levels.
TINY_CLIP_RPN = str(Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'models' / 'clip_rpn_tiny.py')


def test_all_masks_strip_has_one_panel_per_level_holding_that_levels_mask(load_tool, one_thread, tmp_path):
    torch.manual_seed(0)
    model = build_model(load_config(TINY_CLIP_RPN)).eval()
    checkpoint = tmp_path / 'iter_1.pth'
    torch.save(dict(meta=dict(iter=1), state_dict=model.state_dict()), checkpoint)
    height, width = 30, 37  # not multiples of 8: the masks are predicted on the padded input
    image = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    write_image(tmp_path / 'rainy.png', image)
    out = tmp_path / 'fig9'

    status = load_tool('derain').main([TINY_CLIP_RPN, str(checkpoint), str(tmp_path / 'rainy.png'),
                                       '--out', str(out), '--compare', '--all-masks', '--device', 'cpu'])
    assert status == 0
    strip = read_image(out / 'compare' / 'rainy.png')

    # Reference: the backbone's own masks (B, 1, h_l, w_l), each resized to the padded
    # input (8 = 2**(levels - 1)) and cropped, coarsest first.
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        masks = model.backbone(x)['masks']
    padded = (32, 40)
    expected = [F.interpolate(m, size=padded, mode='bilinear', align_corners=False)[0, 0, :height, :width]
                for m in sorted(masks, key=lambda m: m.shape[-1])]
    assert len(masks) == 3 and strip.shape == (height, (2 + len(masks)) * width, 3)
    np.testing.assert_array_equal(strip[:, :width], image)
    np.testing.assert_array_equal(strip[:, width:2 * width], read_image(out / 'rainy.png'))
    for level, mask in enumerate(expected):
        panel = strip[:, (2 + level) * width:(3 + level) * width].astype(int)
        assert (panel == panel[..., :1]).all()  # gray
        reference = np.rint(mask.numpy() * 255).astype(int)
        assert np.abs(panel[..., 0] - reference).max() <= 1, f'level {level}'
        assert np.abs(panel[..., 0] - reference).mean() < 0.1
    # Distinct levels: a panel put in another level's place would not match.
    assert all(np.abs(np.rint(a.numpy() * 255) - np.rint(b.numpy() * 255)).max() > 2
               for a, b in zip(expected, expected[1:]))

    finest_only = tmp_path / 'finest'
    load_tool('derain').main([TINY_CLIP_RPN, str(checkpoint), str(tmp_path / 'rainy.png'),
                              '--out', str(finest_only), '--compare', '--device', 'cpu'])
    np.testing.assert_array_equal(read_image(finest_only / 'compare' / 'rainy.png'),
                                  np.concatenate([strip[:, :2 * width], strip[:, -width:]], axis=1))
