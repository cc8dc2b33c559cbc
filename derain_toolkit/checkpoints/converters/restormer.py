"""Official Restormer checkpoints -> :class:`RestormerUNet` keys.

Source: swz30/Restormer at df766d5521afd21cce56e24159f300b30ebf3fb0,
``basicsr/models/archs/restormer_arch.py``, class ``Restormer`` (Zamir et al., CVPR 2022,
Fig. 2); the deraining release ``deraining.pth`` is ``{'params': state_dict}`` of that class
with ``Deraining/Options/Deraining_Restormer.yml``'s ``network_g`` (the class defaults).

The official network names its four levels one by one; the toolkit indexes them:

=================================  ==================================
official                           toolkit (``RestormerUNet``)
=================================  ==================================
``patch_embed.proj``               ``patch_embed``
``encoder_level{l}.{b}``           ``encoders.{l-1}.{b}``
``down{l}_{l+1}.body.0``           ``downs.{l-1}.body.0``
``latent.{b}``                     ``latent.{b}``
``up{l+1}_{l}.body.0``             ``ups.{l-1}.body.0``
``reduce_chan_level{l}``           ``reduces.{l-1}``  (l = 2, 3)
``decoder_level{l}.{b}``           ``decoders.{l-1}.{b}``
``refinement.{b}``                 ``refinement.{b}``
``output``                         ``output``
=================================  ==================================

Inside a transformer block the official ``norm{1,2}.body.{weight,bias}`` (the LayerNorm
wrapper's inner module) is ``norm{1,2}.{weight,bias}``; ``attn.*`` (MDTA: ``temperature``,
``qkv``, ``qkv_dwconv``, ``project_out``) and ``ffn.*`` (GDFN: ``project_in``, ``dwconv``,
``project_out``) keep their names. The dual-pixel defocus variant (``skip_conv``) has no
toolkit counterpart: its key is reported as unmappable.
"""
import re

from torch import Tensor

from derain_toolkit.registry import CHECKPOINT_CONVERTERS

_BLOCK_INNER = re.compile(
    r'(?:norm[12]\.body\.(?:weight|bias)'
    r'|attn\.(?:temperature|(?:qkv|qkv_dwconv|project_out)\.(?:weight|bias))'
    r'|ffn\.(?:project_in|dwconv|project_out)\.(?:weight|bias))')
_STAGES = {'encoder_level': 'encoders', 'decoder_level': 'decoders'}
_PATTERNS = (
    (re.compile(r'patch_embed\.proj\.(weight|bias)'), lambda m: f'patch_embed.{m[1]}'),
    (re.compile(r'(encoder_level|decoder_level)([123])\.(\d+)\.(.+)'),
     lambda m: _block(f'{_STAGES[m[1]]}.{int(m[2]) - 1}.{m[3]}', m[4])),
    (re.compile(r'(latent|refinement)\.(\d+)\.(.+)'), lambda m: _block(f'{m[1]}.{m[2]}', m[3])),
    (re.compile(r'down([123])_([234])\.body\.0\.weight'),
     lambda m: f'downs.{int(m[1]) - 1}.body.0.weight' if int(m[2]) == int(m[1]) + 1 else None),
    (re.compile(r'up([234])_([123])\.body\.0\.weight'),
     lambda m: f'ups.{int(m[2]) - 1}.body.0.weight' if int(m[1]) == int(m[2]) + 1 else None),
    (re.compile(r'reduce_chan_level([23])\.(weight|bias)'), lambda m: f'reduces.{int(m[1]) - 1}.{m[2]}'),
    (re.compile(r'output\.(weight|bias)'), lambda m: f'output.{m[1]}'),
)


def _block(prefix: str, inner: str) -> str | None:
    """``prefix.inner`` with the LayerNorm wrapper's ``.body`` dropped; ``None`` for an unknown inner key."""
    if _BLOCK_INNER.fullmatch(inner) is None:
        return None
    return f'{prefix}.{inner.replace(".body.", ".")}'


def restormer_key(key: str) -> str | None:
    """The toolkit key of one official Restormer key, or ``None`` when it has none."""
    for pattern, rename in _PATTERNS:
        match = pattern.fullmatch(key)
        if match is not None:
            return rename(match)
    return None


@CHECKPOINT_CONVERTERS.register_module('restormer')
def convert_restormer(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename the keys of an official ``Restormer`` state dict to ``RestormerUNet``'s.

    Raises:
        KeyError: Naming every official key that has no toolkit counterpart.
    """
    converted, unmapped = {}, []
    for key, value in state.items():
        new_key = restormer_key(key)
        if new_key is None:
            unmapped.append(key)
        else:
            converted[new_key] = value
    if unmapped:
        raise KeyError(f'{len(unmapped)} keys of the checkpoint are not keys of the official Restormer '
                       f'(restormer_arch.Restormer, deraining configuration): {unmapped}')
    return converted
