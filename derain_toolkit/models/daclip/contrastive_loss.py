"""The joint contrastive objective of DA-CLIP (DA-CLIP paper Sec. III-A, Eqs. (3)-(4)).

Eq. (3) as printed, ``−1/N Σ_i exp(x_iᵀy_i/t) / Σ_j exp(x_iᵀy_j/t)``, has lost its log: without
it the loss is a negative mean probability, not the InfoNCE / CLIP objective the paper
cites. It is read here as the standard CLIP cross-entropy

    L_con(x, y) = −1/N Σ_i log softmax_j(x_iᵀ y_j / t)[i],

on L2-normalised ``x``, ``y`` with a learnable temperature ``t`` (``logit_scale = 1/t``).
``symmetric=True`` (default, as open_clip's ``ClipLoss`` in the official code) averages it
with the text-to-image direction ``L_con(y, x)``; ``symmetric=False`` is Eq. (3) alone.

Eq. (4): ``L_c = L_con(e_c^I, e_c^T) + L_con(e_d^I, e_d^T)``. Note: in a batch where
several images share a degradation text (always, on a deraining-only set), the repeated
texts are identical columns of the logits; the degradation term then cannot separate them
and only learns once the batch mixes degradation types (the official set has ten).
"""
import torch
import torch.nn.functional as F
from torch import nn


def contrastive_loss(x: torch.Tensor, y: torch.Tensor, logit_scale: torch.Tensor,
                     symmetric: bool = True) -> torch.Tensor:
    """Eq. (3) with the log: cross-entropy of ``logit_scale · x yᵀ`` against the diagonal.

    Args:
        x: Normalised embeddings (N, D).
        y: Normalised paired embeddings (N, D).
        logit_scale: ``1 / t`` (a scalar tensor).
        symmetric: Average with the ``y → x`` direction.
    """
    logits = logit_scale * x @ y.t()  # (N, N)
    labels = torch.arange(x.shape[0], device=x.device)
    loss = F.cross_entropy(logits, labels)
    if symmetric:
        loss = (loss + F.cross_entropy(logits.t(), labels)) / 2
    return loss


class DAClipContrastiveLoss(nn.Module):
    """Eq. (4): content embedding vs caption text plus degradation embedding vs degradation text.

    Args:
        symmetric: See :func:`contrastive_loss`.
        degradation_weight: Weight of the degradation term (1 in Eq. 4).
    """

    def __init__(self, symmetric: bool = True, degradation_weight: float = 1.0) -> None:
        super().__init__()
        self.symmetric = symmetric
        self.degradation_weight = degradation_weight

    def forward(self, image_features: torch.Tensor, text_features: torch.Tensor, image_degra_features: torch.Tensor,
                text_degra_features: torch.Tensor, logit_scale: torch.Tensor) -> dict[str, torch.Tensor]:
        """Takes the outputs of ``DACLIP.forward`` (the official names: content ``image_features`` /
        ``text_features``, degradation ``image_degra_features`` / ``text_degra_features``).

        Returns ``dict(loss_content, loss_degradation, loss)`` (``loss`` is their weighted sum).
        """
        content = contrastive_loss(image_features, text_features, logit_scale, self.symmetric)
        degradation = contrastive_loss(image_degra_features, text_degra_features, logit_scale, self.symmetric)
        return dict(loss_content=content, loss_degradation=degradation,
                    loss=content + self.degradation_weight * degradation)
