"""CornerCropMerge against a per-pixel hand loop over the official ``test_merge`` rule."""
import pytest
import torch

import derain_toolkit
from derain_toolkit.registry import TEST_TIME


def _position_dependent(x: torch.Tensor) -> torch.Tensor:
    """A stand-in network whose output depends on where a pixel sits in its crop."""
    rows = torch.arange(x.shape[-2], dtype=x.dtype).view(-1, 1)
    cols = torch.arange(x.shape[-1], dtype=x.dtype).view(1, -1)
    return 1.6 * x - 0.3 + 0.05 * rows - 0.03 * cols


def _hand_merge(x: torch.Tensor, multiple: int) -> torch.Tensor:
    height, width = x.shape[-2:]
    crop_h, crop_w = height - height % multiple, width - width % multiple
    corners = [(0, 0), (height - crop_h, 0), (height - crop_h, width - crop_w), (0, width - crop_w)]
    outs = [_position_dependent(x[..., t:t + crop_h, l:l + crop_w]).clamp(0, 1) for t, l in corners]
    merged = torch.empty_like(x)
    for i in range(height):
        for j in range(width):
            values = [out[..., i - t, j - l] for out, (t, l) in zip(outs, corners)
                      if t <= i < t + crop_h and l <= j < l + crop_w]
            merged[..., i, j] = sum(values) / len(values)
    return merged.clamp(0, 1)


@pytest.mark.parametrize('size, multiple', [((7, 6), 4), ((9, 13), 4), ((8, 11), 4), ((10, 10), 3)])
def test_merge_equals_the_hand_loop(size, multiple):
    x = torch.rand(2, 3, *size, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    merge = TEST_TIME.build(dict(type='CornerCropMerge', multiple=multiple))
    torch.testing.assert_close(merge(_position_dependent, x), _hand_merge(x, multiple), rtol=0, atol=1e-12)


def test_multiple_sizes_are_predicted_once():
    calls = []
    merge = TEST_TIME.build(dict(type='CornerCropMerge', multiple=4))
    x = torch.rand(1, 3, 8, 12)
    out = merge(lambda t: calls.append(t.shape) or _position_dependent(t), x)
    assert calls == [x.shape]
    torch.testing.assert_close(out, _position_dependent(x).clamp(0, 1))


def test_too_small_an_image_is_refused():
    merge = TEST_TIME.build(dict(type='CornerCropMerge', multiple=4))
    with pytest.raises(ValueError, match='3x9'):
        merge(_position_dependent, torch.rand(1, 3, 3, 9))


def test_derainer_predicts_through_the_test_time_option():
    backbone = dict(type='RestormerUNet', dim=4, num_blocks=[1, 1], heads=[1, 1], num_refinement_blocks=1)
    torch.manual_seed(0)
    plain = derain_toolkit.build_model(dict(type='Derainer', backbone=backbone)).eval()
    merged = derain_toolkit.build_model(dict(type='Derainer', backbone=backbone,
                                             test_time=dict(type='CornerCropMerge', multiple=4))).eval()
    merged.load_state_dict(plain.state_dict())
    x = torch.rand(1, 3, 13, 10)
    with torch.no_grad():
        expected = _four_corner_reference(plain, x)
        torch.testing.assert_close(merged(x, mode='tensor'), expected)
        pred = merged.predict(x, None)[0]['pred']
    torch.testing.assert_close(pred, expected[0])
    assert not torch.allclose(expected, plain(x, mode='tensor'))


def _four_corner_reference(model, x):
    """The official test_merge written out for a 13x10 image (crops 12x8)."""
    crops = [x[..., :12, :8], x[..., 1:, :8], x[..., 1:, 2:], x[..., :12, 2:]]
    total, count = torch.zeros_like(x), torch.zeros_like(x)
    for crop, (t, l) in zip(crops, [(0, 0), (1, 0), (1, 2), (0, 2)]):
        total[..., t:t + 12, l:l + 8] += model(crop, mode='tensor')
        count[..., t:t + 12, l:l + 8] += 1
    return (total / count).clamp(0, 1)
