"""Official IR-SDE deraining U-Net checkpoints -> :class:`ConditionalUNet` keys.

Source: Algolzw/image-restoration-sde at 2598d73cde3a1e2cf78c4ba4923414e1f4b90393,
``codes/config/deraining/models/modules/DenoisingUNet_arch.py``, class ``ConditionalUNet``
(+ ``module_util.py``), deraining options ``network_G.setting``: ``in_nc=3, out_nc=3, nf=64,
depth=4`` (``configs/irsde_rain100h.py``). The release is a plain state dict (BaseModel
saves the network unwrapped; its loader strips ``module.``).

The levels, slots and convolutions keep their official indices (``downs.{i}.{0..3}``,
``ups.{i}.{0..3}``, ``mid_block{1,2}``, ``mid_attn``); names inside them change:

=======================================  ===================================
official                                 toolkit (``ConditionalUNet``)
=======================================  ===================================
``<res block>.mlp.1``                    ``<res block>.time_mlp.1``
``<res block>.block{1,2}.proj``          ``<res block>.conv{1,2}``
``<res block>.res_conv``                 ``<res block>.skip``
``final_res_block.*``                    ``final_block.*``
``<slot>.fn.norm.g``                     ``<slot>.norm.weight``
``<slot>.fn.fn.to_qkv``                  ``<slot>.attn.to_qkv``
``<slot>.fn.fn.to_out.0``                ``<slot>.attn.to_out.0``
``<slot>.fn.fn.to_out.1.g``              ``<slot>.attn.to_out.1.weight``
=======================================  ===================================

(``<res block>`` is ``downs|ups.{i}.{0,1}`` or ``mid_block{1,2}``, ``<slot>`` is
``downs|ups.{i}.2`` or ``mid_attn``.) ``init_conv``, ``time_mlp.{1,3}``, the down/upsampling
convolutions and ``final_conv`` keep their names.
"""
import re
from collections.abc import Callable

from torch import Tensor

from derain_toolkit.checkpoints.converters._rename import first_match, rename_state
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

_RES_BLOCK = r'((?:downs|ups)\.\d+\.[01]|mid_block[12]|final_res_block)'
_SLOT = r'((?:downs|ups)\.\d+\.2|mid_attn)'
_RES_BLOCK_INNER = {'mlp.1.weight': 'time_mlp.1.weight', 'mlp.1.bias': 'time_mlp.1.bias',
                    'block1.proj.weight': 'conv1.weight', 'block2.proj.weight': 'conv2.weight',
                    'res_conv.weight': 'skip.weight'}
_LINEAR_ATTENTION_INNER = {'fn.norm.g': 'norm.weight', 'fn.fn.to_qkv.weight': 'attn.to_qkv.weight',
                           'fn.fn.to_out.0.weight': 'attn.to_out.0.weight',
                           'fn.fn.to_out.0.bias': 'attn.to_out.0.bias', 'fn.fn.to_out.1.g': 'attn.to_out.1.weight'}
_PATTERNS: tuple[tuple[re.Pattern, Callable[[re.Match], str | None]], ...] = (
    (re.compile(r'(init_conv\.weight|time_mlp\.[13]\.(?:weight|bias)|final_conv\.(?:weight|bias)'
                r'|downs\.\d+\.3\.(?:weight|bias)|ups\.\d+\.3\.(?:1\.)?(?:weight|bias))'), lambda m: m[1]),
    (re.compile(_RES_BLOCK + r'\.(.+)'),
     lambda m: f'{m[1].replace("final_res_block", "final_block")}.{_RES_BLOCK_INNER[m[2]]}'
     if m[2] in _RES_BLOCK_INNER else None),
    (re.compile(_SLOT + r'\.(.+)'),
     lambda m: f'{m[1]}.{_LINEAR_ATTENTION_INNER[m[2]]}' if m[2] in _LINEAR_ATTENTION_INNER else None),
)


def irsde_unet_key(key: str) -> str | None:
    """The toolkit key of one key of the official IR-SDE ``ConditionalUNet``, or ``None`` when it has none."""
    return first_match(_PATTERNS, key)


@CHECKPOINT_CONVERTERS.register_module('irsde_unet')
def convert_irsde_unet(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename the keys of an official IR-SDE deraining ``ConditionalUNet`` state dict to ``ConditionalUNet``'s.

    Raises:
        KeyError: Naming every official key that has no toolkit counterpart.
    """
    return rename_state(state, irsde_unet_key, 'IR-SDE ConditionalUNet (image-restoration-sde, deraining)')
