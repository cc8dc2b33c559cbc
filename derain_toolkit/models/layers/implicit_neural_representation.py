"""NeRD-Rain's implicit neural representation (INR): a per-pixel MLP decoding a feature map to an image.

NeRD-Rain (Chen et al., "Bidirectional Multi-Scale Implicit Neural Representations for Image
Deraining", CVPR 2024), Sec. 3.2, after LIIF (Chen et al., CVPR 2021): the RGB value at a
query coordinate is ``MLP([unfold3x3(z), rel_coord, rel_cell])``, where ``z`` is the latent
code nearest the query, ``rel_coord`` the query's coordinate relative to that code's
location together with its positional encoding ``γ(p) = (sin(2^k π p), cos(2^k π p))``,
k < L, and ``rel_cell`` the query pixel's size.

Official equivalence: cschenxiang/NeRD-Rain at 295f4fd, ``mlp.py``, class ``INR``
(``hidden_list`` [256, 256, 256] and ``L = 4`` are module globals there, parameters here).
The network queries the INR at the pixel centres of its own feature grid, so each query's
nearest code is the one at its own pixel: ``rel_coord`` is zero and ``rel_cell`` is
``(2/h · h, 2/w · w) = 2``. The official "local ensemble" adds four predictions weighted by
areas that are all equal (its shifted query coordinates ``coord_`` are never used), i.e.
averages four identical predictions: one MLP pass here computes the same.
"""
import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def _pixel_centres(height: int, width: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Coordinates in (-1, 1) of the centres of an ``height`` x ``width`` grid, (h*w, 2) as (row, column)."""
    rows = -1 + (2 * torch.arange(height, dtype=dtype, device=device) + 1) / height
    cols = -1 + (2 * torch.arange(width, dtype=dtype, device=device) + 1) / width
    return torch.stack(torch.meshgrid(rows, cols, indexing='ij'), dim=-1).reshape(-1, 2)


class ImplicitNeuralRepresentation(nn.Module):
    """Decode a feature map (B, C, h, w) to an image (B, out_channels, h, w), pixel by pixel.

    Args:
        dim: Channels ``C`` of the feature map.
        hidden: Widths of the MLP's hidden layers (official [256, 256, 256]).
        frequencies: ``L``, the positional-encoding bands (official 4).
        out_channels: Channels of the decoded image.
    """

    def __init__(self, dim: int, hidden: Sequence[int] = (256, 256, 256), frequencies: int = 4,
                 out_channels: int = 3) -> None:
        super().__init__()
        self.frequencies = frequencies
        in_features = 9 * dim + (2 + 4 * frequencies) + 2  # unfolded code, relative coordinate + encoding, cell
        layers: list[nn.Module] = []
        for width in hidden:
            layers += [nn.Linear(in_features, width), nn.ReLU()]
            in_features = width
        layers.append(nn.Linear(in_features, out_channels))
        self.mlp = nn.Sequential(*layers)

    def encode_position(self, coord: torch.Tensor) -> torch.Tensor:
        """``[p, γ(p)]`` of coordinates (..., 2): (..., 2 + 4L), per axis the L sines then the L cosines."""
        bands = 2**torch.arange(self.frequencies, dtype=coord.dtype, device=coord.device) * math.pi
        spectrum = coord[..., None] * bands  # (..., 2, L)
        encoding = torch.stack([spectrum.sin(), spectrum.cos()], dim=-2)  # (..., 2, 2, L)
        return torch.cat([coord, encoding.flatten(-3)], dim=-1)

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = feat.shape
        codes = F.unfold(feat, 3, padding=1).transpose(1, 2)  # (B, h*w, 9C), zero-padded 3x3 neighbourhoods
        query = _pixel_centres(height, width, feat.dtype, feat.device)  # (h*w, 2)
        code_location = _pixel_centres(height, width, feat.dtype, feat.device)  # the nearest code's: the same grid
        rel_coord = self.encode_position(query) - self.encode_position(code_location)  # (h*w, 2 + 4L)
        scale = torch.tensor([height, width], dtype=feat.dtype, device=feat.device)
        rel_coord = torch.cat([rel_coord[:, :2] * scale, rel_coord[:, 2:]], dim=1)
        cell = torch.tensor([2 / height, 2 / width], dtype=feat.dtype, device=feat.device) * scale
        position = torch.cat([rel_coord, cell.expand(height * width, 2)], dim=1)  # (h*w, 2 + 4L + 2)
        inputs = torch.cat([codes, position.expand(batch, -1, -1)], dim=-1)  # (B, h*w, 9C + 2 + 4L + 2)
        rgb = self.mlp(inputs)  # (B, h*w, out)
        return rgb.transpose(1, 2).reshape(batch, -1, height, width)
