"""Mixture of experts feature compensator (MEFC) of DRSformer.

DRSformer (Chen et al., "Learning A Sparse Transformer Network for Effective Image
Deraining", CVPR 2023), Sec. 3.3 and Fig. 2: a CNN branch of eight "experts" (separable
convolutions 1x1/3x3/5x5/7x7, dilated convolutions 3x3/5x5/7x7 with dilation 2, and a
3x3 average pool) whose outputs are weighted per sample by a gate computed from the
globally pooled input. DRSformer applies it twice: right after the patch embedding (at
``dim`` channels) and in place of Restormer's refinement blocks (at ``2 * dim``), see
``models/backbones/drsformer.py``.

Structure (official ``subnet`` with its fixed ``layer_num=1``, ``steps=4``):

* gate: ``softmax_ops(Linear(ReLU(Linear(GAP(x)))))``, weights of shape
  (B, steps, experts), one softmax over the experts per step;
* stem: ``ReLU(conv1x1(x))``;
* ``steps`` expert layers, each ``y = layer(y, w_step) + y`` where
  ``layer(y, w) = ReLU(conv1x1(concat_e(w_e * expert_e(y))))``. The official code wraps
  the sum in one more ReLU, a no-op: both terms are ReLU outputs, so it is omitted.

The output is the last ``y``: MEFC has no skip around it.

Official code: cschenxiang/DRSformer at e77bbb4ecc59aaa2cd170a0f8f65b188a9dd77c6,
``basicsr/models/archs/DRSformer_arch.py``, classes ``subnet`` (this class), ``OALayer``
(:attr:`MEFC.gate`), ``GroupOLs`` (:attr:`MEFC.stem` and the step loop),
``OperationLayer`` (:class:`_ExpertLayer`), ``SepConv`` / ``DilConv`` and the
``Operations`` list, whose order is :data:`_EXPERTS`. No convolution has a bias, and
``SepConv``'s ``affine`` argument is unused in the official code.
"""
import torch
from torch import nn

from derain_toolkit.models.layers.recomputable import Recomputable

# (kind, kernel size) in the official `Operations` order; the gate's columns follow it.
_EXPERTS = (('separable', 1), ('separable', 3), ('separable', 5), ('separable', 7),
            ('dilated', 3), ('dilated', 5), ('dilated', 7), ('avg_pool', 3))


def _expert(kind: str, kernel_size: int, dim: int) -> nn.Module:
    """One expert at ``dim`` channels, keeping the resolution."""
    if kind == 'separable':  # two (depth-wise k x k, point-wise) pairs with a ReLU between
        pad = kernel_size // 2
        return nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size, padding=pad, groups=dim, bias=False),
            nn.Conv2d(dim, dim, kernel_size=1, bias=False),
            nn.ReLU(),
            nn.Conv2d(dim, dim, kernel_size, padding=pad, groups=dim, bias=False),
            nn.Conv2d(dim, dim, kernel_size=1, bias=False))
    if kind == 'dilated':  # depth-wise k x k with dilation 2, then point-wise
        return nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size, padding=kernel_size - 1, dilation=2, groups=dim, bias=False),
            nn.Conv2d(dim, dim, kernel_size=1, bias=False))
    return nn.AvgPool2d(kernel_size, stride=1, padding=kernel_size // 2, count_include_pad=False)


class _ExpertLayer(nn.Module):
    """``ReLU(conv1x1(concat_e(w_e * expert_e(x))))`` (official ``OperationLayer``)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.experts = nn.ModuleList(_expert(kind, size, dim) for kind, size in _EXPERTS)
        self.fuse = nn.Sequential(nn.Conv2d(dim * len(_EXPERTS), dim, kernel_size=1, bias=False), nn.ReLU())

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """``x`` (B, C, H, W), ``weights`` (B, experts) -> (B, C, H, W)."""
        outputs = [expert(x) * weights[:, e, None, None, None] for e, expert in enumerate(self.experts)]
        return self.fuse(torch.cat(outputs, dim=1))  # concat: (B, experts * C, H, W)


class MEFC(Recomputable):
    """Args:
        dim: Channels (in and out).
        steps: Expert layers applied one after the other (4 in DRSformer).
    """

    global_context = True  # the expert gate pools the whole feature (GAP) (tiling, inference.py)

    def __init__(self, dim: int, steps: int = 4) -> None:
        super().__init__()
        self.steps = steps
        gate_width = steps * len(_EXPERTS)
        self.gate = nn.Sequential(nn.Linear(dim, gate_width * 2), nn.ReLU(), nn.Linear(gate_width * 2, gate_width))
        self.stem = nn.Sequential(nn.Conv2d(dim, dim, kernel_size=1, bias=False), nn.ReLU())
        self.layers = nn.ModuleList(_ExpertLayer(dim) for _ in range(steps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = self.gate(x.mean(dim=(-2, -1)))  # (B, steps * experts)
        weights = weights.view(x.shape[0], self.steps, len(_EXPERTS)).softmax(dim=-1)
        y = self.stem(x)
        for step, layer in enumerate(self.layers):
            y = layer(y, weights[:, step]) + y  # both terms >= 0: the official outer ReLU is a no-op
        return y
