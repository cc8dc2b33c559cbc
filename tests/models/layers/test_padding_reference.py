"""pad_to_multiple / crop_to against explicit reflection and replication indices."""
import torch

from derain_toolkit.models.layers.padding import crop_to, pad_to_multiple


def _reflect(i: int, n: int) -> int:
    return i if i < n else 2 * (n - 1) - i


def test_pads_bottom_right_by_reflection_and_crops_back():
    x = torch.arange(2 * 5 * 6, dtype=torch.float32).reshape(1, 2, 5, 6)
    padded, size = pad_to_multiple(x, 4)
    assert size == (5, 6) and padded.shape == (1, 2, 8, 8)
    for i in range(8):
        for j in range(8):
            torch.testing.assert_close(padded[0, :, i, j], x[0, :, _reflect(i, 5), _reflect(j, 6)])
    torch.testing.assert_close(crop_to(padded, size), x)


def test_replicates_when_the_image_is_too_small_to_reflect():
    x = torch.tensor([[[[1.0, 2.0]]]])  # 1 x 2: padding 3 rows needs replication
    padded, size = pad_to_multiple(x, 4)
    assert size == (1, 2)
    torch.testing.assert_close(padded, torch.tensor([[1.0, 2.0, 2.0, 2.0]]).expand(4, 4).reshape(1, 1, 4, 4))


def test_multiples_are_left_alone():
    x = torch.randn(1, 3, 8, 4)
    padded, size = pad_to_multiple(x, 4)
    assert padded is x and size == (8, 4)


def test_replicates_when_one_side_is_too_small_even_if_the_other_could_reflect():
    x = torch.arange(2 * 6, dtype=torch.float32).reshape(1, 1, 2, 6)  # pad_h = 2 = height: reflect impossible
    padded, _ = pad_to_multiple(x, 4)
    torch.testing.assert_close(padded[0, 0, :, :6], torch.cat([x[0, 0], x[0, 0, 1:].expand(2, 6)]))
    torch.testing.assert_close(padded[0, 0, :, 6:], padded[0, 0, :, 5:6].expand(4, 2))
