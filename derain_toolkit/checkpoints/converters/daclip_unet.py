"""Official DA-CLIP universal restoration U-Net checkpoints -> :class:`ConditionalUNet` keys.

Source: Algolzw/daclip-uir at c2cc14146faac85680b4cb39ece4ef9e2a7c7c24,
``universal-image-restoration/config/daclip-sde/models/modules/DenoisingUNet_arch.py``, class
``ConditionalUNet`` (+ ``attention.py``, ``module_util.py``), options ``network_G.setting``:
``in_nc=3, out_nc=3, nf=64, ch_mult=[1, 2, 4, 8], context_dim=512, use_degra_context=True,
use_image_context=True`` (``configs/irsde_daclip_rain100h.py``); the release
(``universal-ir.pth``) is a plain state dict, like IR-SDE's.

The network is the IR-SDE U-Net (keys renamed as in :mod:`.irsde_unet`) plus:

================================================================  ==========================================
official                                                          toolkit (``ConditionalUNet``)
================================================================  ==========================================
``prompt``                                                        ``prompt``
``text_mlp.{0,2}``                                                ``degradation_mlp.{0,2}``
``prompt_mlp``                                                    ``prompt_proj``
``<slot>.fn.fn.{norm,proj_in,proj_out}``                          ``<slot>.attn.{norm,proj_in,proj_out}``
``<slot>.fn.fn.transformer_blocks.{b}.attn1.{to_q,to_k,to_v}``    ``<slot>.attn.blocks.{b}.self_attn.{...}``
``<slot>.fn.fn.transformer_blocks.{b}.attn2.{to_q,to_k,to_v}``    ``<slot>.attn.blocks.{b}.cross_attn.{...}``
``<slot>.fn.fn.transformer_blocks.{b}.attn{1,2}.to_out.0``        ``<slot>.attn.blocks.{b}.{self,cross}_attn.to_out``
``<slot>.fn.fn.transformer_blocks.{b}.norm{1,2,3}``               ``<slot>.attn.blocks.{b}.norm{1,2,3}``
``<slot>.fn.fn.transformer_blocks.{b}.ff.net.0.proj``             ``<slot>.attn.blocks.{b}.ff.proj_in``
``<slot>.fn.fn.transformer_blocks.{b}.ff.net.2``                  ``<slot>.attn.blocks.{b}.ff.proj_out``
================================================================  ==========================================

for the ``SpatialTransformer`` slots (levels 3 and the middle).
"""
import re
from collections.abc import Callable

from torch import Tensor

from derain_toolkit.checkpoints.converters._rename import first_match, rename_state
from derain_toolkit.checkpoints.converters.irsde_unet import irsde_unet_key
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

_SLOT = r'((?:downs|ups)\.\d+\.2|mid_attn)\.fn\.fn\.'
_ATTENTIONS = {'1': 'self_attn', '2': 'cross_attn'}
_PATTERNS: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (re.compile(r'prompt'), lambda m: 'prompt'),
    (re.compile(r'text_mlp\.([02]\.(?:weight|bias))'), lambda m: f'degradation_mlp.{m[1]}'),
    (re.compile(r'prompt_mlp\.(weight|bias)'), lambda m: f'prompt_proj.{m[1]}'),
    (re.compile(_SLOT + r'((?:norm|proj_in|proj_out)\.(?:weight|bias))'), lambda m: f'{m[1]}.attn.{m[2]}'),
    (re.compile(_SLOT + r'transformer_blocks\.(\d+)\.attn([12])\.(to_[qkv]\.weight)'),
     lambda m: f'{m[1]}.attn.blocks.{m[2]}.{_ATTENTIONS[m[3]]}.{m[4]}'),
    (re.compile(_SLOT + r'transformer_blocks\.(\d+)\.attn([12])\.to_out\.0\.(weight|bias)'),
     lambda m: f'{m[1]}.attn.blocks.{m[2]}.{_ATTENTIONS[m[3]]}.to_out.{m[4]}'),
    (re.compile(_SLOT + r'transformer_blocks\.(\d+)\.(norm[123]\.(?:weight|bias))'),
     lambda m: f'{m[1]}.attn.blocks.{m[2]}.{m[3]}'),
    (re.compile(_SLOT + r'transformer_blocks\.(\d+)\.ff\.net\.0\.proj\.(weight|bias)'),
     lambda m: f'{m[1]}.attn.blocks.{m[2]}.ff.proj_in.{m[3]}'),
    (re.compile(_SLOT + r'transformer_blocks\.(\d+)\.ff\.net\.2\.(weight|bias)'),
     lambda m: f'{m[1]}.attn.blocks.{m[2]}.ff.proj_out.{m[3]}'),
)


def daclip_unet_key(key: str) -> str | None:
    """The toolkit key of one key of the official DA-CLIP ``ConditionalUNet``, or ``None`` when it has none."""
    return first_match(_PATTERNS, key) or irsde_unet_key(key)


@CHECKPOINT_CONVERTERS.register_module('daclip_unet')
def convert_daclip_unet(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename the keys of an official DA-CLIP universal-IR ``ConditionalUNet`` state dict to ``ConditionalUNet``'s.

    Raises:
        KeyError: Naming every official key that has no toolkit counterpart.
    """
    return rename_state(state, daclip_unet_key, 'DA-CLIP ConditionalUNet (daclip-uir, universal-image-restoration)')
