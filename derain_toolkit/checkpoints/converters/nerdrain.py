"""Official NeRD-Rain / NeRD-Rain-S checkpoints -> :class:`~derain_toolkit.models.backbones.nerdrain.NeRDRain` keys.

Source: cschenxiang/NeRD-Rain at 295f4fd, ``model.py`` / ``model_S.py`` (the same names),
class ``MultiscaleNet``, with ``mlp.py``'s ``INR``. The released files are what ``train.py``
saves, ``{'epoch', 'state_dict', 'optimizer'}``, keys ``module.``-prefixed when it trained
under ``nn.DataParallel``; the toolkit's loader unwraps both before this converter runs.

Official names spell out the scale (``small`` 1/4, ``mid`` 1/2, ``max`` full) and the U-Net
(a digit, irregularly: ``encoder_level1_mid1`` but ``down1_2_mid``); the toolkit indexes
them (s: scale, k: U-Net of the scale, l: level):

===================================================  ===============================================
official                                             toolkit (``NeRDRain``)
===================================================  ===============================================
``patch_embed_{scale}.proj``                         ``branches.{s}.patch_embed``
``encoder_level{l}_{scale}{k}.{b}``                  ``branches.{s}.unets.{k}.encoders.{l-1}.{b}``
``latent_{scale}{k}.{b}``                            ``branches.{s}.unets.{k}.latent.{b}``
``decoder_level{l}_{scale}{k}.{b}``                  ``branches.{s}.unets.{k}.decoders.{l-1}.{b}``
``reduce_chan_level{l}_{scale}{k}``                  ``branches.{s}.unets.{k}.reduces.{l-1}``
``down1_2_* / down2_3_*`` (``body.0``)               ``branches.{s}.unets.{k}.downs.{0,1}``
``up2_1_* / up3_2_*`` (``body.0``)                   ``branches.{s}.unets.{k}.ups.{0,1}``
``output_mid_context``, ``output_max_context{k}``    ``branches.{1,2}.contexts.{k-1}``
``output_{scale}``                                   ``branches.{s}.output``
``upsmall2mid{j}``, ``upmid2max{j}`` (``body.0``)    ``inr_ups.{0,1}.{j-1}``
``INR.imnet.layers.{i}``, ``INR2.imnet.layers.{i}``  ``inrs.{0,1}.mlp.{i}``
``BF3``; ``BF1``, ``BF2``                            ``fusions.0.0``; ``fusions.1.0``, ``fusions.1.1``
===================================================  ===============================================

The U-Net digit of the transformer stages and skip reductions is ``''`` for the one 1/4-scale
U-Net and ``1..k`` otherwise; that of the resampling layers is ``''`` for the first U-Net and
``2``, ``3`` for the next. Inside a block, ``norm{1,2}.body.*`` is ``norm{1,2}.*`` and the
depth-wise convs ``attn.qkv_dwconv.main.0`` / ``ffn.dwconv.main.0`` (official ``BasicConv``)
are MDTA's ``attn.qkv_dwconv`` / GDFN's ``ffn.dwconv``.
"""
import re
from typing import Optional

from torch import Tensor

from derain_toolkit.checkpoints.converters._rename import first_match, rename_state
from derain_toolkit.checkpoints.converters._restormer_layout import block_inner_key, mdta_gdfn_key
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

_SCALES = {'small': 0, 'mid': 1, 'max': 2}
_STAGE_UNET = {('small', ''): 0, ('mid', '1'): 0, ('mid', '2'): 1, ('max', '1'): 0, ('max', '2'): 1, ('max', '3'): 2}
_RESAMPLE_UNET = {('small', ''): 0, ('mid', ''): 0, ('mid', '2'): 1, ('max', ''): 0, ('max', '2'): 1, ('max', '3'): 2}
_RESAMPLE = {'down1_2': 'downs.0', 'down2_3': 'downs.1', 'up2_1': 'ups.0', 'up3_2': 'ups.1'}
_FUSIONS = {'1': 'fusions.1.0', '2': 'fusions.1.1', '3': 'fusions.0.0'}
_BASIC_CONV = re.compile(r'(attn\.qkv_dwconv|ffn\.dwconv)\.main\.0\.(weight|bias)')
_PARAM = r'(weight|bias)'
_SCALE = r'(small|mid|max)'


def _block_inner(inner: str) -> Optional[str]:
    """An official transformer block's attention / feed-forward key as MDTA's / GDFN's."""
    match = _BASIC_CONV.fullmatch(inner)
    return f'{match[1]}.{match[2]}' if match else mdta_gdfn_key(inner)


def _unet_key(table: dict, scale: str, digit: str, rest: Optional[str]) -> Optional[str]:
    """``branches.{s}.unets.{k}.`` + ``rest`` for an official scale name and U-Net digit, else ``None``."""
    unet = table.get((scale, digit))
    return None if unet is None or rest is None else f'branches.{_SCALES[scale]}.unets.{unet}.{rest}'


def _stage(match: re.Match) -> Optional[str]:
    name = 'latent' if match[1] == 'latent' else f'{match[1][:7]}s.{int(match[1][-1]) - 1}'
    inner = block_inner_key(match[5], _block_inner)
    return _unet_key(_STAGE_UNET, match[2], match[3], None if inner is None else f'{name}.{match[4]}.{inner}')


_PATTERNS = (
    (re.compile(rf'(encoder_level[12]|latent|decoder_level[12])_{_SCALE}([123]?)\.(\d+)\.(.+)'), _stage),
    (re.compile(rf'reduce_chan_level([12])_{_SCALE}([123]?)\.{_PARAM}'),
     lambda m: _unet_key(_STAGE_UNET, m[2], m[3], f'reduces.{int(m[1]) - 1}.{m[4]}')),
    (re.compile(rf'(down1_2|down2_3|up2_1|up3_2)_{_SCALE}([23]?)\.body\.0\.weight'),
     lambda m: _unet_key(_RESAMPLE_UNET, m[2], m[3], f'{_RESAMPLE[m[1]]}.body.0.weight')),
    (re.compile(rf'patch_embed_{_SCALE}\.proj\.weight'), lambda m: f'branches.{_SCALES[m[1]]}.patch_embed.weight'),
    (re.compile(rf'output_{_SCALE}\.{_PARAM}'), lambda m: f'branches.{_SCALES[m[1]]}.output.{m[2]}'),
    (re.compile(rf'output_mid_context\.{_PARAM}'), r'branches.1.contexts.0.\1'),
    (re.compile(rf'output_max_context([12])\.{_PARAM}'), lambda m: f'branches.2.contexts.{int(m[1]) - 1}.{m[2]}'),
    (re.compile(r'(upsmall2mid|upmid2max)([12])\.body\.0\.weight'),
     lambda m: f'inr_ups.{0 if m[1] == "upsmall2mid" else 1}.{int(m[2]) - 1}.body.0.weight'),
    (re.compile(rf'INR(2?)\.imnet\.layers\.(\d+)\.{_PARAM}'), lambda m: f'inrs.{1 if m[1] else 0}.mlp.{m[2]}.{m[3]}'),
    (re.compile(rf'BF([123])\.(query_conv|key_conv|gamma1|gamma2)\.{_PARAM}'),
     lambda m: f'{_FUSIONS[m[1]]}.{m[2]}.{m[3]}'),
)


def nerdrain_key(key: str) -> Optional[str]:
    """The toolkit key of one official NeRD-Rain key, or ``None`` when it has none."""
    return first_match(_PATTERNS, key)


@CHECKPOINT_CONVERTERS.register_module('nerdrain')
def convert_nerdrain(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename the keys of an official ``MultiscaleNet`` (NeRD-Rain or NeRD-Rain-S) state dict to ``NeRDRain``'s.

    Raises:
        KeyError: Naming every official key that has no toolkit counterpart.
    """
    return rename_state(state, nerdrain_key, 'NeRD-Rain (model.py / model_S.py, MultiscaleNet)')
