"""Dynamic dual self-attention (DDSA): dense plus top-k sparse transposed attention.

Paper: "Learning Image Deraining Transformer Network with Dynamic Dual
Self-Attention" (Fan et al.), Sec. 2.2, Eqs. (4)-(6), and Table 3 (``DSA`` and
``SSA`` columns). Q, K, V come from a 1x1 conv and a 3x3 depth-wise conv and
attend across channels per head, as in MDTA, so DDSA extends :class:`MDTA` and
shares its parameter names (a dense-only DDSA loads an MDTA state dict).

* Eq. (4), ``P = Q K^T / sqrt(d)``: read with the transposed attention of MDTA
  (a ``d x d`` map per head, ``d = C / heads``). The entries of ``Q K^T`` sum over
  all ``H * W`` pixels, so a fixed ``1 / sqrt(d)`` leaves the logits growing with
  the image size and the softmax saturating at test resolutions. The default,
  ``qk_scaling='l2_temperature'``, L2-normalises q and k over the pixels and
  multiplies by a learnable per-head temperature, as Restormer and the cited
  sparse Transformer DRSformer [27] do; ``qk_scaling='sqrt_d'`` is Eq. (4) taken
  literally.
* Eq. (5), the top-k mask: each row of ``P`` keeps its ``k = max(1,
  floor(topk_ratio * d))`` largest entries (``layers/topk.py``, shared with TKSA; the
  paper's "head number k = 0.7" is this ratio). Exactly ``k`` entries are kept even when values tie, because the
  kept positions come from ``torch.topk`` indices, not from a threshold. What the
  dropped entries become is ``masked_fill``:

  - ``'neg_inf'`` (default): ``-inf`` before the softmax, so they get exactly zero
    weight. The paper writes that they are "replaced with 0", but a logit of 0 still
    receives ``exp(0) / Z`` of the softmax mass, which is neither sparse nor invariant
    to the scale of the kept logits; ``-inf`` is what "filter out irrelevant tokens"
    requires and what the cited sparse Transformer DRSformer [27] does in its top-k
    attention (the kept entries, else ``-inf``, before the softmax), so it is the default.
  - ``'zero'``: Eq. (5) literally, 0 before the softmax (every dropped entry then
    weighs ``exp(0)``; with the default L2-normalised logits, which lie in
    ``[-temperature, temperature]``, this is far from sparse).
* Eq. (6), ``[softmax(P) + softmax(M(P, k))] V`` with ``[.]`` a weighted sum:
  with both branches, two learnable scalars (initialised to
  ``branch_weight_init``) weight the two attention maps, which are summed
  before the single product with V. With one branch the map is used unweighted,
  so ``dense=True, sparse=False`` is exactly MDTA.
"""
import math

import torch
from torch import nn

from derain_toolkit.models.attention.mdta import MDTA
from derain_toolkit.models.layers.topk import topk_size
from derain_toolkit.registry import ATTENTION

_QK_SCALINGS = ('l2_temperature', 'sqrt_d')
_MASKED_FILLS = {'neg_inf': float('-inf'), 'zero': 0.0}


@ATTENTION.register_module()
class DDSA(MDTA):
    """DDSA (Eqs. 4-6): dense (DSA) and/or top-k sparse (SSA) channel attention.

    Args:
        dim: Channels.
        num_heads: Heads; ``dim`` must be divisible by it.
        bias: Biases in the convolutions.
        dense: Use the dense branch ``softmax(P)`` (Table 3's DSA).
        sparse: Use the sparse branch ``softmax(M(P, k))`` (Table 3's SSA).
        topk_ratio: Fraction of each attention row kept by the sparse branch, in (0, 1].
        qk_scaling: ``'l2_temperature'`` (MDTA/DRSformer) or ``'sqrt_d'`` (Eq. 4 literally).
        masked_fill: Value of the entries dropped by Eq. (5) before the softmax:
            ``'neg_inf'`` (zero weight, DRSformer) or ``'zero'`` (Eq. 5 literally).
        branch_weight_init: Initial value of both learnable branch weights
            (used only when both branches are on).
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 bias: bool = False,
                 dense: bool = True,
                 sparse: bool = True,
                 topk_ratio: float = 0.7,
                 qk_scaling: str = 'l2_temperature',
                 masked_fill: str = 'neg_inf',
                 branch_weight_init: float = 0.5) -> None:
        super().__init__(dim, num_heads, bias)
        if not (dense or sparse):
            raise ValueError('DDSA needs at least one branch, got dense=False and sparse=False; '
                             'set dense=True (DSA), sparse=True (SSA) or both (DDSA).')
        if not 0 < topk_ratio <= 1:
            raise ValueError(f'DDSA topk_ratio must be in (0, 1], got {topk_ratio}; the paper uses 0.7.')
        if qk_scaling not in _QK_SCALINGS:
            raise ValueError(f'DDSA qk_scaling must be one of {_QK_SCALINGS}, got {qk_scaling!r}.')
        if masked_fill not in _MASKED_FILLS:
            raise ValueError(f'DDSA masked_fill must be one of {tuple(_MASKED_FILLS)}, got {masked_fill!r}.')
        self.dense = dense
        self.sparse = sparse
        self.head_dim = dim // num_heads
        self.topk = topk_size(topk_ratio, self.head_dim)
        self.qk_scaling = qk_scaling
        self.masked_fill = masked_fill
        if qk_scaling == 'sqrt_d':
            # Eq. (4) has no learnable scale: drop MDTA's temperature from the parameters.
            self.register_parameter('temperature', None)
        self.branch_weights = nn.Parameter(torch.full((2, ), branch_weight_init)) if dense and sparse else None

    def attention_logits(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """P of Eq. (4), (B, heads, d, d), scaled as ``qk_scaling`` says."""
        if self.qk_scaling == 'l2_temperature':
            return super().attention_logits(q, k)
        return (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)

    def topk_mask(self, logits: torch.Tensor) -> torch.Tensor:
        """Boolean mask of M(., k) in Eq. (5): True at the ``k`` largest entries of each row."""
        index = logits.topk(self.topk, dim=-1).indices  # (B, heads, d, k)
        return torch.zeros_like(logits, dtype=torch.bool).scatter(-1, index, torch.ones_like(index, dtype=torch.bool))

    def sparse_attention(self, logits: torch.Tensor) -> torch.Tensor:
        """``softmax(M(P, k))`` with the dropped entries at ``masked_fill`` (``-inf``: k non-zeros per row)."""
        masked = logits.masked_fill(~self.topk_mask(logits), _MASKED_FILLS[self.masked_fill])
        return masked.softmax(dim=-1)

    def attention_map(self, logits: torch.Tensor) -> torch.Tensor:
        """The bracket of Eq. (6): the (weighted) sum of the enabled branches' maps, (B, heads, d, d)."""
        if self.branch_weights is None:
            return logits.softmax(dim=-1) if self.dense else self.sparse_attention(logits)
        return self.branch_weights[0] * logits.softmax(dim=-1) + self.branch_weights[1] * self.sparse_attention(logits)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv_heads(x)  # each (B, heads, d, H*W)
        out = self.attention_map(self.attention_logits(q, k)) @ v  # (B, heads, d, H*W)
        return self.project_out(out.reshape(x.shape))
