"""The DDSA configs: Sec. 3.2's recipe, and every Table 3 row builds and trains one step at tiny size."""
from pathlib import Path

import pytest
import torch
from mmengine.optim import build_optim_wrapper

from derain_toolkit import build_model, load_config
from derain_toolkit.models.attention.ddsa import DDSA
from derain_toolkit.models.feedforward.sefn import SEFN

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
# Table 3 row -> (dense, sparse, SEFN mixer, spatial attention)
TABLE3 = {
    'a_dsa.py': (True, False, 'res2net', True),
    'b_ssa.py': (False, True, 'res2net', True),
    'c_ddsa.py': (True, True, 'res2net', True),
    'd_no_sa.py': (True, True, 'res2net', False),
    'e_gdfn_sa.py': (True, True, 'gated_dconv', True),
}
TINY_BACKBONE = dict(dim=8, num_blocks=(1, 1), heads=(1, 2), num_refinement_blocks=1)


def _batch(seed: int, size: int = 16) -> dict:
    """Two training pairs in the layout DerainDataPreprocessor reads."""
    generator = torch.Generator().manual_seed(seed)
    gts = [torch.rand(3, size, size, generator=generator) for _ in range(2)]
    rains = [(gt + 0.3 * torch.rand(3, size, size, generator=generator)).clamp(0, 1) for gt in gts]
    return dict(inputs=rains, data_samples=[dict(gt=gt, key=str(i)) for i, gt in enumerate(gts)])


def test_rain13k_config_follows_sec_3_2():
    cfg = load_config(CONFIGS / 'ddsa_rain13k.py')
    backbone = cfg.model.backbone
    assert (backbone.num_blocks, backbone.heads) == ((4, 6, 6, 8), (1, 2, 4, 8))
    assert (backbone.num_refinement_blocks, backbone.refinement_heads) == (2, 1)
    assert backbone.attn == dict(type='DDSA', dense=True, sparse=True, topk_ratio=0.7)
    assert cfg.model.losses == [dict(type='L1Loss', loss_weight=1.0)]
    assert cfg.optim_wrapper.optimizer.type == 'AdamW' and cfg.optim_wrapper.optimizer.lr == 1e-4
    assert cfg.global_batch_size == 16 and cfg.train_dataloader.batch_size == 4  # 4 GPUs x 4 in the paper
    assert cfg.train_cfg.max_iters == 300000
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=0.01)  # Restormer's, the paper is silent
    assert cfg.train_cfg.type == 'ResumableIterBasedTrainLoop' and 'patch_schedule' not in cfg.train_cfg  # fixed 128
    constant, cosine = cfg.param_scheduler
    assert (constant.type, constant.end, cosine.type, cosine.begin, cosine.end) == (
        'ConstantLR', 92000, 'CosineAnnealingLR', 92000, 300000)
    pipeline = {t.type: t for t in cfg.train_dataloader.dataset.pipeline}
    assert 'PairedRandomDihedral' not in pipeline  # the paper's flips only
    assert pipeline['PairedRandomCrop'].patch_size == 128
    assert pipeline['PairedRandomFlip'].horizontal_prob > 0 and pipeline['PairedRandomFlip'].vertical_prob > 0
    assert cfg.test_cfg == dict(type='MultiDatasetTestLoop')
    names = [d.name for d in cfg.test_dataloader.dataset.datasets]
    assert names == ['Test100', 'Rain100H', 'Rain100L', 'Test2800', 'Test1200']


@pytest.mark.parametrize('name', sorted(TABLE3))
def test_table3_row_builds_and_trains_one_iteration(name):
    dense, sparse, mixer, spatial_attention = TABLE3[name]
    cfg = load_config(CONFIGS / 'ddsa_ablations' / name)
    cfg.merge_from_dict(dict(model=dict(backbone=TINY_BACKBONE)))
    torch.manual_seed(0)
    model = build_model(cfg)
    attns = [m for m in model.modules() if isinstance(m, DDSA)]
    ffns = [m for m in model.modules() if isinstance(m, SEFN)]
    assert attns and all((m.dense, m.sparse) == (dense, sparse) for m in attns)
    assert ffns and all(m.mixer == mixer for m in ffns)
    assert all(isinstance(m.spatial_attention, torch.nn.Identity) != spatial_attention for m in ffns)

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    log_vars = model.train_step(_batch(0), optim_wrapper)
    assert torch.isfinite(log_vars['loss']) and log_vars['loss'] > 0
    changed = [k for k, v in model.state_dict().items() if not torch.equal(v, before[k])]
    assert any('attn.qkv' in k for k in changed) and any('ffn.project_in' in k for k in changed)
    if dense and sparse:
        assert any(k.endswith('attn.branch_weights') for k in changed)


def test_tiny_synthetic_config_builds_and_predicts():
    cfg = load_config(CONFIGS / 'ddsa_tiny_synthetic.py')
    assert cfg.model.backbone.attn.type == 'DDSA' and cfg.model.backbone.ffn.type == 'SEFN'
    model = build_model(cfg).eval()
    with torch.no_grad():
        outputs = model.test_step(_batch(1, size=20))
    assert len(outputs) == 2 and outputs[0]['pred'].shape == (3, 20, 20)
