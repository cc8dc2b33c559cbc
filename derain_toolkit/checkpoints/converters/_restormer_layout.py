"""Key names of the official Restormer-family U-Nets against :class:`RestormerUNet`'s.

Shared by the converters of Restormer and of the networks built on its U-Net (DRSformer,
PromptIR), whose official code names the levels as Restormer's
``basicsr/models/archs/restormer_arch.py`` (swz30/Restormer df766d5, class ``Restormer``) does:

=================================  ==================================
official                           toolkit (``RestormerUNet``)
=================================  ==================================
``encoder_level{l}.{b}``           ``encoders.{l-1}.{b}``
``latent.{b}``                     ``latent.{b}``
``decoder_level{l}.{b}``           ``decoders.{l-1}.{b}``
``refinement.{b}``                 ``refinement.{b}``
``down{l}_{l+1}.body.0``           ``downs.{l-1}.body.0``
``up{l+1}_{l}.body.0``             ``ups.{l-1}.body.0``
``reduce_chan_level{l}``           ``reduces.{l-1}``  (l = 2, 3)
``output``                         ``output``
=================================  ==================================

Inside a transformer block, the official LayerNorm wrapper's ``norm{1,2}.body.*`` is
``norm{1,2}.*``; the attention and feed-forward keys are the converter's business (those of
Restormer's own block, MDTA + GDFN, keep their names: :func:`mdta_gdfn_key`). The patch
embedding's name differs per network and is left to each converter.
"""
import re
from collections.abc import Callable
from typing import Optional

from derain_toolkit.checkpoints.converters._rename import first_match

_STAGE = re.compile(r'(encoder_level|decoder_level)([123])\.(\d+)\.(.+)|(latent|refinement)\.(\d+)\.(.+)')
_STAGES = {'encoder_level': 'encoders', 'decoder_level': 'decoders'}
_MDTA_GDFN = re.compile(r'attn\.(?:temperature|(?:qkv|qkv_dwconv|project_out)\.(?:weight|bias))'
                        r'|ffn\.(?:project_in|dwconv|project_out)\.(?:weight|bias)')
_NORM = re.compile(r'(norm[12])\.body\.(weight|bias)')
_RESAMPLING = (
    (re.compile(r'down([123])_([234])\.body\.0\.weight'), lambda m: (int(m[2]) == int(m[1]) + 1, m[1], 'downs')),
    (re.compile(r'up([234])_([123])\.body\.0\.weight'), lambda m: (int(m[1]) == int(m[2]) + 1, m[2], 'ups')),
)
_OTHERS = (
    (re.compile(r'reduce_chan_level([23])\.(weight|bias)'), lambda m: f'reduces.{int(m[1]) - 1}.{m[2]}'),
    (re.compile(r'output\.(weight|bias)'), lambda m: f'output.{m[1]}'),
)


def mdta_gdfn_key(inner: str) -> Optional[str]:
    """``inner`` itself when it is a key of Restormer's MDTA (``attn.*``) or GDFN (``ffn.*``), else ``None``."""
    return inner if _MDTA_GDFN.fullmatch(inner) else None


def block_inner_key(inner: str, inner_key: Callable[[str], Optional[str]]) -> Optional[str]:
    """The toolkit key of a key relative to a transformer block, else ``None``.

    Args:
        inner: Official block-relative key, e.g. ``'norm1.body.weight'`` or ``'attn.qkv.weight'``.
        inner_key: Maps an attention/feed-forward key to the toolkit's, or returns ``None``
            when it has none. LayerNorm keys are handled here.
    """
    norm = _NORM.fullmatch(inner)
    return f'{norm[1]}.{norm[2]}' if norm else inner_key(inner)


def block_key(key: str, inner_key: Callable[[str], Optional[str]]) -> Optional[str]:
    """The toolkit key of a key inside a transformer block of a U-Net stage, else ``None``.

    Args:
        key: Official key, e.g. ``'encoder_level2.3.attn.qkv.weight'``.
        inner_key: As in :func:`block_inner_key`.
    """
    match = _STAGE.fullmatch(key)
    if match is None:
        return None
    if match[1]:
        prefix, inner = f'{_STAGES[match[1]]}.{int(match[2]) - 1}.{match[3]}', match[4]
    else:
        prefix, inner = f'{match[5]}.{match[6]}', match[7]
    renamed = block_inner_key(inner, inner_key)
    return None if renamed is None else f'{prefix}.{renamed}'


def unet_key(key: str) -> Optional[str]:
    """The toolkit key of a resampling, skip-reduction or output key, else ``None``."""
    resampling = first_match(_RESAMPLING, key)
    if resampling is not None:
        adjacent, level, name = resampling
        return f'{name}.{int(level) - 1}.body.0.weight' if adjacent else None
    return first_match(_OTHERS, key)
