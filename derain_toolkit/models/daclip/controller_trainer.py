"""Training of the DA-CLIP controller on the mmengine Runner (DA-CLIP paper Sec. III, Eq. 4).

The frozen CLIP sees the rainy image through the trainable controller; the content
embedding is pulled toward the clean caption's text embedding and the degradation
embedding toward the degradation text (``DAClipContrastiveLoss``). After every optimizer
step the temperature is clamped to at most 100 (``logit_scale <= ln 100``), as CLIP's and
DA-CLIP's training scripts do. ``tools/train_daclip.py`` runs it.
"""
import copy
import math
from typing import Any, Optional

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper

from derain_toolkit.models.daclip.contrastive_loss import DAClipContrastiveLoss
from derain_toolkit.models.daclip.daclip_model import DACLIP
from derain_toolkit.registry import MODELS

MAX_LOGIT_SCALE = math.log(100)


@MODELS.register_module()
class DACLIPControllerTrainer(BaseModel):
    """Args:
        daclip: ``DACLIP`` constructor arguments (the CLIP to control).
        degradation_weight: Weight of the degradation term of Eq. (4).
        data_preprocessor: Config of the data preprocessor.
    """

    def __init__(self, daclip: dict, degradation_weight: float = 1.0,
                 data_preprocessor: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor or dict(type='DerainDataPreprocessor'))
        self.daclip = DACLIP(**{k: v for k, v in copy.deepcopy(daclip).items() if k != 'type'})
        self.criterion = DAClipContrastiveLoss()
        self.degradation_weight = degradation_weight

    def forward(self, inputs: torch.Tensor, data_samples: Optional[dict[str, Any]] = None,
                mode: str = 'loss') -> dict[str, torch.Tensor]:
        """Args:
            inputs: Rainy images (B, 3, H, W) in [0, 1].
            data_samples: ``dict(meta=[dict(caption=..., degradation=...), ...])``.
            mode: ``'loss'`` only (the controller has no prediction to score).
        """
        if mode != 'loss':
            raise ValueError(f"DACLIPControllerTrainer only trains (mode='loss'), got mode={mode!r}")
        meta = (data_samples or {}).get('meta') or []
        if len(meta) != inputs.shape[0] or any('caption' not in m for m in meta):
            raise ValueError('DACLIPControllerTrainer needs a caption and a degradation per image: wrap the dataset '
                             "in dict(type='CaptionedRainDataset', dataset=...)")
        tokens = torch.cat([self.daclip.tokenize([m['caption'] for m in meta]),
                            self.daclip.tokenize([m['degradation'] for m in meta])], dim=-1)
        losses = self.criterion(**self.daclip(self.daclip.preprocess(inputs), tokens))
        return dict(loss_content=losses['loss_content'],
                    loss_degradation=self.degradation_weight * losses['loss_degradation'])

    def train_step(self, data: dict, optim_wrapper: OptimWrapper) -> dict[str, torch.Tensor]:
        log_vars = super().train_step(data, optim_wrapper)
        with torch.no_grad():
            self.daclip.logit_scale.clamp_(0, MAX_LOGIT_SCALE)
        return log_vars
