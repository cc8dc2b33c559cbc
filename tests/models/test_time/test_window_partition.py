"""WindowPartition against a per-pixel hand loop over test.py's window_partitionx / window_reversex rule.

(The official outputs of the tiny NeRD-Rain through it, case C, are in tests/checkpoints/test_nerdrain_converter.py.)
"""
import pytest
import torch

import derain_toolkit
from derain_toolkit.registry import TEST_TIME


def _position_dependent(x: torch.Tensor) -> torch.Tensor:
    """A stand-in network whose output depends on where a pixel sits in its window."""
    rows = torch.arange(x.shape[-2], dtype=x.dtype).view(-1, 1)
    cols = torch.arange(x.shape[-1], dtype=x.dtype).view(1, -1)
    return 1.3 * x + 0.01 * rows - 0.02 * cols


def _hand_windows(x: torch.Tensor, size: int) -> torch.Tensor:
    """Each pixel from the grid window holding it, else from the window flush with the far edge(s)."""
    height, width = x.shape[-2:]
    grid_h, grid_w = size * (height // size), size * (width // size)
    out = torch.empty_like(x)
    for i in range(height):
        for j in range(width):
            top = (i // size) * size if i < grid_h else height - size
            left = (j // size) * size if j < grid_w else width - size
            window = _position_dependent(x[..., top:top + size, left:left + size])
            out[..., i, j] = window[..., i - top, j - left]
    return out


@pytest.mark.parametrize('size, window', [((12, 10), 4), ((9, 13), 4), ((8, 11), 4), ((11, 8), 4), ((8, 8), 4),
                                          ((7, 7), 7), ((10, 7), 5)])
def test_windows_equal_the_hand_loop(size, window):
    x = torch.rand(2, 3, *size, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    procedure = TEST_TIME.build(dict(type='WindowPartition', window_size=window))
    torch.testing.assert_close(procedure(_position_dependent, x), _hand_windows(x, window), rtol=0, atol=0)


def test_all_windows_go_through_the_network_as_one_batch_in_the_official_order():
    """9x13 with w 4: 2x3 grid (row-major), the right column (2), the bottom row (3), the corner; batch-major."""
    batches = []
    x = torch.arange(2 * 9 * 13, dtype=torch.float32).view(2, 1, 9, 13)
    TEST_TIME.build(dict(type='WindowPartition', window_size=4))(lambda t: batches.append(t) or t, x)
    assert len(batches) == 1
    corners = [(0, 0), (0, 4), (0, 8), (4, 0), (4, 4), (4, 8), (0, 9), (4, 9), (5, 0), (5, 4), (5, 8), (5, 9)]
    groups = [corners[:6], corners[6:8], corners[8:11], corners[11:]]
    expected = torch.cat([torch.stack([x[b, :, t:t + 4, l:l + 4] for b in range(2) for t, l in group])
                          for group in groups])
    assert torch.equal(batches[0], expected)


def test_too_small_an_image_is_refused_naming_the_config_key():
    procedure = TEST_TIME.build(dict(type='WindowPartition', window_size=16))
    with pytest.raises(ValueError, match=r'15x20.*model\.test_time\.window_size'):
        procedure(_position_dependent, torch.rand(1, 3, 15, 20))


def test_derainer_predicts_through_the_windows():
    backbone = dict(type='RestormerUNet', dim=4, num_blocks=[1, 1], heads=[1, 1], num_refinement_blocks=1)
    torch.manual_seed(0)
    plain = derain_toolkit.build_model(dict(type='Derainer', backbone=backbone)).eval()
    windowed = derain_toolkit.build_model(dict(type='Derainer', backbone=backbone,
                                               test_time=dict(type='WindowPartition', window_size=8))).eval()
    windowed.load_state_dict(plain.state_dict())
    x = torch.rand(1, 3, 13, 10)
    with torch.no_grad():
        expected = torch.empty_like(x)
        for top, rows in ((0, slice(0, 8)), (5, slice(8, 13))):
            for left, cols in ((0, slice(0, 8)), (2, slice(8, 10))):
                pred = plain(x[..., top:top + 8, left:left + 8], mode='tensor')
                expected[..., rows, cols] = pred[..., rows.start - top:rows.stop - top, cols.start - left:
                                                 cols.stop - left]
        torch.testing.assert_close(windowed(x, mode='tensor'), expected)
        torch.testing.assert_close(windowed.predict(x, None)[0]['pred'], expected[0])
        assert not torch.allclose(expected, plain(x, mode='tensor'))
