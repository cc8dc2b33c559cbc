"""DACLIPControllerTrainer: Eq. (4)'s two terms as mmengine losses, the temperature clamp, clear input errors."""
import math

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope

from derain_toolkit.models.daclip.contrastive_loss import DAClipContrastiveLoss
from derain_toolkit.models.daclip.controller_trainer import DACLIPControllerTrainer



def _trainer(weight: float = 1.0) -> DACLIPControllerTrainer:
    init_default_scope('derain_toolkit')
    torch.manual_seed(0)
    return DACLIPControllerTrainer(dict(clip_model='tiny', pretrained=None, allow_random_init=True,
                                        warn_untrained=False, model_cfg='tiny'), degradation_weight=weight)


def _batch() -> dict:
    images = [torch.rand(3, 40, 48, generator=torch.Generator().manual_seed(i)) for i in range(3)]
    meta = [dict(gt=torch.zeros(3, 40, 48), caption=c, degradation=d)
            for c, d in (('a red car', 'rainy'), ('a blue boat', 'raindrop'), ('a field', 'rainy'))]
    return dict(inputs=images, data_samples=meta)


def test_losses_are_eq4_terms_of_the_official_forward_with_the_degradation_weight():
    model = _trainer(weight=0.5)
    data = model.data_preprocessor(_batch(), training=True)
    losses = model(**data, mode='loss')
    meta = data['data_samples']['meta']
    tokens = torch.cat([model.daclip.tokenize([m['caption'] for m in meta]),
                        model.daclip.tokenize([m['degradation'] for m in meta])], dim=-1)
    reference = DAClipContrastiveLoss()(**model.daclip(model.daclip.preprocess(data['inputs']), tokens))
    assert set(losses) == {'loss_content', 'loss_degradation'}  # mmengine sums every loss_* key
    torch.testing.assert_close(losses['loss_content'], reference['loss_content'])
    torch.testing.assert_close(losses['loss_degradation'], 0.5 * reference['loss_degradation'])


def test_train_step_clamps_the_temperature_to_100():
    model = _trainer()
    with torch.no_grad():
        model.daclip.logit_scale.fill_(6.0)
    wrapper = OptimWrapper(torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.0))
    model.train_step(_batch(), wrapper)
    assert model.daclip.logit_scale.item() == pytest.approx(math.log(100))


def test_samples_without_captions_are_refused_with_the_fix():
    model = _trainer()
    with pytest.raises(ValueError, match="CaptionedRainDataset"):
        model(torch.rand(1, 3, 32, 32), dict(meta=[dict()]), mode='loss')
