"""TransformerBlock against Restormer Sec. 3: ``x = x + Attn(LN1(x)); x = x + FFN(LN2(x))``."""
import pytest
import torch

from derain_toolkit.models.layers.transformer_block import TransformerBlock


@pytest.mark.parametrize('layernorm_type', ['WithBias', 'BiasFree'])
def test_pre_norm_residual_order(layernorm_type):
    torch.manual_seed(0)
    block = TransformerBlock(8, 2, 2.0, True, layernorm_type, dict(type='MDTA'), dict(type='GDFN'))
    with torch.no_grad():
        for param in block.parameters():
            param.copy_(torch.randn_like(param) * 0.5)
    assert (block.norm1.bias is None) == (layernorm_type == 'BiasFree')
    x = torch.randn(2, 8, 4, 5)
    mid = x + block.attn(block.norm1(x))
    expected = mid + block.ffn(block.norm2(mid))
    torch.testing.assert_close(block(x), expected)


def test_block_options_fill_the_parts_unless_the_config_sets_them():
    block = TransformerBlock(8, 2, 2.0, True, 'WithBias', dict(type='MDTA', num_heads=4), dict(type='GDFN'))
    assert block.attn.num_heads == 4 and block.attn.qkv.bias is not None
    assert block.ffn.project_out.in_channels == 16 and block.ffn.project_in.bias is not None
    with pytest.raises(ValueError, match='layernorm_type'):
        TransformerBlock(8, 2, 2.0, True, 'Batch', dict(type='MDTA'), dict(type='GDFN'))
