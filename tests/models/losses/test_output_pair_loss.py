"""OutputPairLoss: a (pred, target) loss applied to two other named outputs, through the Derainer."""
import pytest
import torch

from derain_toolkit import build_model
from derain_toolkit.models.losses.output_pair_loss import OutputPairLoss
from derain_toolkit.models.losses.psnr_loss import PSNRLoss


def test_compares_the_named_outputs_with_the_inner_loss():
    generator = torch.Generator().manual_seed(0)
    a, b, c = (torch.rand(2, 3, 4, 4, generator=generator) for _ in range(3))
    loss = OutputPairLoss(loss=dict(type='L1Loss'), pred_key='clean', target_key='gt')
    assert loss.input_keys == ('clean', 'gt') and loss.name == 'l1_clean'
    assert loss(a, b).item() == pytest.approx((a - b).abs().mean().item(), rel=1e-6)
    assert loss(a, c).item() != pytest.approx(loss(a, b).item())


def test_irsde_model_logs_the_psnr_of_its_clean_estimate():
    """The Derainer feeds the generator's ``clean`` and the batch's ``gt``; the term is weighted and named."""
    model = build_model(dict(
        type='Derainer',
        backbone=dict(type='ConditionalUNet', nf=8, ch_mult=(1, 2), attention='none'),
        generator=dict(type='IRSDEGenerator', num_steps=10, eps=0.1, prediction='clean', progress_bar=False),
        losses=[dict(type='L1Loss'),
                dict(type='OutputPairLoss', loss=dict(type='PSNRLoss'), pred_key='clean', loss_weight=0.5)],
        data_preprocessor=dict(type='DerainDataPreprocessor')))
    torch.manual_seed(0)
    gt = torch.rand(2, 3, 16, 16)
    rainy = (gt + 0.2).clamp(0, 1)
    torch.manual_seed(1)
    terms = model(rainy, dict(gt=gt), mode='loss')
    torch.manual_seed(1)
    clean = model.generator.forward_train(model.backbone, rainy, gt)['clean']
    assert sorted(terms) == ['loss_l1', 'loss_psnr_clean']
    torch.testing.assert_close(terms['loss_psnr_clean'], 0.5 * PSNRLoss()(clean, gt))
    terms['loss_psnr_clean'].backward()
    assert all(p.grad is not None for p in model.backbone.parameters() if p.requires_grad)


def test_refuses_an_inner_weight_and_an_inner_loss_of_other_outputs():
    with pytest.raises(ValueError, match='give the weight to the wrapper'):
        OutputPairLoss(loss=dict(type='L1Loss', loss_weight=2.0), pred_key='clean')
    with pytest.raises(ValueError, match='FCRLoss reads'):
        OutputPairLoss(loss=dict(type='FCRLoss'), pred_key='clean')
