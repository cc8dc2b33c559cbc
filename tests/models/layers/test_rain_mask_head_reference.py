"""Rain mask head against CLIP-RPN Sec. 3.2, Eq. (3): ``M̂ = σ(W₂¹ˣ¹(δ(W₁³ˣ³(I))))``, δ = GELU, σ = sigmoid.

The head returns the logits; its ``probability`` applies σ. The reference evaluates the two convolutions as explicit sums over the kernel taps (zero
padding for the 3x3), then GELU in its erf form and the logistic sigmoid, so it shares no
code with the module. The weights are read from the head's two convolutions.
"""
import math

import pytest
import torch
import torch.nn.functional as F

from derain_toolkit.models.layers.rain_mask_head import RainMaskHead


def _gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def _reference(head: RainMaskHead, image: torch.Tensor) -> torch.Tensor:
    conv3, conv1 = [m for m in head.modules() if isinstance(m, torch.nn.Conv2d)]
    batch, _, height, width = image.shape
    padded = F.pad(image, (1, 1, 1, 1))
    hidden = conv3.bias[None, :, None, None].expand(batch, -1, height, width).clone()
    for dy in range(3):
        for dx in range(3):
            window = padded[:, :, dy:dy + height, dx:dx + width]  # (B, C_in, H, W)
            hidden = hidden + torch.einsum('oc,bchw->bohw', conv3.weight[:, :, dy, dx], window)
    logits = torch.einsum('oc,bchw->bohw', conv1.weight[:, :, 0, 0], _gelu(hidden)) + conv1.bias[None, :, None, None]
    return 1 / (1 + torch.exp(-logits))


def test_mask_head_is_eq3_at_the_input_resolution():
    torch.manual_seed(0)
    head = RainMaskHead(3, hidden_channels=5)
    image = torch.rand(2, 3, 6, 7) * 4 - 2  # negative pre-activations, where GELU and ReLU differ
    out = head.probability(head(image, (6, 7)))
    assert out.shape == (2, 1, 6, 7)
    torch.testing.assert_close(out, _reference(head, image), rtol=1e-5, atol=1e-6)


def _antialiased_shrink_weights(size_in: int, size_out: int) -> torch.Tensor:
    """Anti-aliased bilinear (triangle filter stretched by the scale, renormalised at the borders)."""
    scale = size_in / size_out
    weights = torch.zeros(size_out, size_in)
    for i in range(size_out):
        centre = (i + 0.5) * scale
        for j in range(size_in):
            weights[i, j] = max(0.0, 1 - abs(j + 0.5 - centre) / scale)
    return weights / weights.sum(dim=1, keepdim=True)


def test_mask_head_shrinks_the_image_with_antialiasing_first():
    """At a feature level, Eq. (3) runs on the image brought to the level's size, anti-aliased when shrinking
    (interior weights 1/8, 3/8, 3/8, 1/8 for a 2x shrink, not plain bilinear's 1/2, 1/2)."""
    torch.manual_seed(0)
    head = RainMaskHead(3, hidden_channels=4)
    image = torch.rand(1, 3, 6, 8)
    rows, cols = _antialiased_shrink_weights(6, 3), _antialiased_shrink_weights(8, 4)
    assert rows[1].tolist() == pytest.approx([0, 0.125, 0.375, 0.375, 0.125, 0])
    shrunk = torch.einsum('ih,bchw,jw->bcij', rows, image, cols)
    torch.testing.assert_close(head.probability(head(image, (3, 4))), _reference(head, shrunk), rtol=1e-5, atol=1e-6)


def test_mask_head_enlarges_with_bilinear_interpolation():
    torch.manual_seed(0)
    head = RainMaskHead(3, hidden_channels=4)
    image = torch.rand(1, 3, 2, 2)
    # align_corners=False bilinear 2x2 -> 4x4: the rows/columns are 0.75/0.25 mixes of the neighbours.
    weights = torch.tensor([[1.0, 0.0], [0.75, 0.25], [0.25, 0.75], [0.0, 1.0]])
    enlarged = torch.einsum('ih,bchw,jw->bcij', weights, image, weights)
    torch.testing.assert_close(head.probability(head(image, (4, 4))), _reference(head, enlarged), rtol=1e-5, atol=1e-6)


def _bilinear_weights(size_in: int, size_out: int) -> torch.Tensor:
    """Plain bilinear, align_corners=False (source index clamped at 0), as a (size_out, size_in) matrix."""
    weights = torch.zeros(size_out, size_in)
    for j in range(size_out):
        source = max((j + 0.5) * size_in / size_out - 0.5, 0.0)
        low = min(int(source), size_in - 1)
        high = min(low + 1, size_in - 1)
        weights[j, low] += 1 - (source - low)
        weights[j, high] += source - low
    return weights


@pytest.mark.parametrize('image_size, size', [((3, 8), (3, 4)), ((6, 2), (3, 6))])
def test_antialiasing_follows_whichever_side_shrinks(image_size, size):
    torch.manual_seed(0)
    head = RainMaskHead(3, hidden_channels=4)
    image = torch.rand(1, 3, *image_size)

    def weights(size_in, size_out):
        return (_antialiased_shrink_weights if size_out < size_in else _bilinear_weights)(size_in, size_out)

    resized = torch.einsum('ih,bchw,jw->bcij', weights(image_size[0], size[0]), image, weights(image_size[1], size[1]))
    torch.testing.assert_close(head.probability(head(image, size)), _reference(head, resized), rtol=1e-5, atol=1e-6)


def test_shrinking_one_side_only_still_antialiases_that_side():
    torch.manual_seed(0)
    head = RainMaskHead(3, hidden_channels=4)
    image = torch.rand(1, 3, 6, 3)
    # 6 -> 3 rows anti-aliased; 3 -> 4 columns plain bilinear (align_corners=False).
    cols = torch.tensor([[1.0, 0, 0], [0.375, 0.625, 0], [0, 0.625, 0.375], [0, 0, 1.0]])
    resized = torch.einsum('ih,bchw,jw->bcij', _antialiased_shrink_weights(6, 3), image, cols)
    torch.testing.assert_close(head.probability(head(image, (3, 4))), _reference(head, resized), rtol=1e-5, atol=1e-6)


def test_default_widths_are_rgb_in_and_16_hidden():
    conv3, conv1 = [m for m in RainMaskHead().modules() if isinstance(m, torch.nn.Conv2d)]
    assert conv3.weight.shape == (16, 3, 3, 3) and conv1.weight.shape == (1, 16, 1, 1)
