"""Official PromptIR checkpoints -> :class:`PromptIR` (toolkit) keys.

Source: va1shn9v/PromptIR at 106159ab809101f2e25b6714195cd6fa9a938d36, ``net/model.py``,
class ``PromptIR`` (``decoder=True``). The release is a PyTorch Lightning checkpoint whose
``state_dict`` holds ``net.`` + these keys; the generic loader unwraps it, so this gets
the bare ``PromptIR`` keys. The U-Net levels are renamed as in ``_restormer_layout.py``
(the blocks are MDTA + GDFN, whose keys keep their names); in addition, with
``n = 3, 2, 1`` the prompt block of neck level ``3 - n`` (deepest first):

===================================================  ================================================
official                                             toolkit
===================================================  ================================================
``patch_embed.proj``                                 ``patch_embed``
``prompt{n}.prompt_param`` (1, L, C, S, S)           ``prompt_blocks.{3-n}.generation.components`` (L, C, S, S)
``prompt{n}.linear_layer`` / ``prompt{n}.conv3x3``   ``prompt_blocks.{3-n}.generation.linear`` / ``.conv``
``noise_level{n}.<block>``                           ``prompt_blocks.{3-n}.interaction.<block>``
``reduce_noise_level{n}``                            ``prompt_blocks.{3-n}.reduce``
``chnl_reduce{n}``, ``reduce_noise_channel_{n}``     ``unused_convs.<same name>`` (never called)
===================================================  ================================================
"""
import re
from typing import Optional

from torch import Tensor

from derain_toolkit.checkpoints.converters._rename import rename_state
from derain_toolkit.checkpoints.converters._restormer_layout import block_inner_key, block_key, mdta_gdfn_key, unet_key
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

_PARAM = r'(weight|bias)'
_PROMPT = re.compile(r'prompt([123])\.(prompt_param|linear_layer\.(?:weight|bias)|conv3x3\.weight)')
_PROMPT_INNER = {'prompt_param': 'components', 'linear_layer': 'linear', 'conv3x3': 'conv'}
_INTERACTION = re.compile(r'noise_level([123])\.(.+)')
_REDUCE = re.compile(rf'reduce_noise_level([123])\.{_PARAM}')
_UNUSED = re.compile(rf'(chnl_reduce[123]|reduce_noise_channel_[123])\.{_PARAM}')


def promptir_key(key: str) -> Optional[str]:
    """The toolkit key of one official PromptIR key, or ``None`` when it has none."""
    if key in ('patch_embed.proj.weight', 'patch_embed.proj.bias'):
        return f'patch_embed.{key.rsplit(".", 1)[1]}'
    if match := _PROMPT.fullmatch(key):
        module, _, param = match[2].partition('.')
        return '.'.join(filter(None, (f'prompt_blocks.{3 - int(match[1])}.generation', _PROMPT_INNER[module], param)))
    if match := _INTERACTION.fullmatch(key):
        renamed = block_inner_key(match[2], mdta_gdfn_key)
        return None if renamed is None else f'prompt_blocks.{3 - int(match[1])}.interaction.{renamed}'
    if match := _REDUCE.fullmatch(key):
        return f'prompt_blocks.{3 - int(match[1])}.reduce.{match[2]}'
    if match := _UNUSED.fullmatch(key):
        return f'unused_convs.{match[1]}.{match[2]}'
    return block_key(key, mdta_gdfn_key) or unet_key(key)


@CHECKPOINT_CONVERTERS.register_module('promptir')
def convert_promptir(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename an official ``PromptIR`` state dict (bare keys, no ``net.``) to the toolkit's keys.

    Raises:
        KeyError: Naming every official key that has no toolkit counterpart.
    """
    converted = rename_state(state, promptir_key, 'PromptIR (net/model.py PromptIR(decoder=True); keys without '
                                                  "the Lightning 'net.' prefix)")
    for key in converted:
        if key.endswith('.generation.components'):
            converted[key] = converted[key].squeeze(0)  # (1, L, C, S, S) -> (L, C, S, S)
    return converted
