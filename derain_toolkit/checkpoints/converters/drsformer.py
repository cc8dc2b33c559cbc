"""Official DRSformer checkpoints -> :class:`DRSformer` (toolkit) keys.

Source: cschenxiang/DRSformer at e77bbb4ecc59aaa2cd170a0f8f65b188a9dd77c6,
``basicsr/models/archs/DRSformer_arch.py``, class ``DRSformer``; its release files are
BasicSR's ``{'params': state_dict}`` (unwrapped by the generic loader). The U-Net levels
are renamed as in ``_restormer_layout.py``; in addition:

=====================================================  ===========================================
official                                               toolkit
=====================================================  ===========================================
``patch_embed.proj``                                   ``patch_embed.0``
``encoder_level0.<MEFC>``                              ``patch_embed.1.<MEFC>``
``refinement.<MEFC>``                                  ``refinement.<MEFC>``
MEFC ``layers.0.ca_fc.{0,2}``                          ``gate.{0,2}``
MEFC ``layers.1.preprocess.op.0``                      ``stem.0``
MEFC ``layers.1._ops.{s}._ops.{e}.op.{m}``             ``layers.{s}.experts.{e}.{m}``
MEFC ``layers.1._ops.{s}._out.0``                      ``layers.{s}.fuse.0``
TKSA ``attn.attn1`` .. ``attn.attn4`` (each (1,))      ``attn.branch_weights`` (4,), stacked
TKSA ``attn.{temperature,qkv,qkv_dwconv,project_out}``  same
MSFN ``ffn.dwconv3x3_1`` / ``ffn.dwconv5x5_1``         ``ffn.fuse3x3`` / ``ffn.fuse5x5``
MSFN ``ffn.{project_in,dwconv3x3,dwconv5x5,project_out}``  same
=====================================================  ===========================================
"""
import re
from typing import Optional

import torch
from torch import Tensor

from derain_toolkit.checkpoints.converters._rename import first_match, rename_state, unmapped_error
from derain_toolkit.checkpoints.converters._restormer_layout import block_key, unet_key
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

_BRANCH_WEIGHT = re.compile(r'.+\.attn\.attn([1-4])')
_NUM_BRANCHES = 4
_BLOCK_INNER = {
    re.compile(r'attn\.(temperature|(?:qkv|qkv_dwconv|project_out)\.(?:weight|bias))'): r'attn.\1',
    re.compile(r'ffn\.((?:project_in|dwconv3x3|dwconv5x5|project_out)\.(?:weight|bias))'): r'ffn.\1',
    re.compile(r'ffn\.dwconv3x3_1\.(weight|bias)'): r'ffn.fuse3x3.\1',
    re.compile(r'ffn\.dwconv5x5_1\.(weight|bias)'): r'ffn.fuse5x5.\1',
}
_MEFC = re.compile(r'(encoder_level0|refinement)\.layers\.(.+)')
_MEFC_INNER = {
    re.compile(r'0\.ca_fc\.([02]\.(?:weight|bias))'): r'gate.\1',
    re.compile(r'1\.preprocess\.op\.0\.weight'): r'stem.0.weight',
    re.compile(r'1\._ops\.(\d+)\._ops\.(\d+)\.op\.(\d+)\.weight'): r'layers.\1.experts.\2.\3.weight',
    re.compile(r'1\._ops\.(\d+)\._out\.0\.weight'): r'layers.\1.fuse.0.weight',
}
_MEFC_SLOT = {'encoder_level0': 'patch_embed.1', 'refinement': 'refinement'}
_NETWORK = ('DRSformer (DRSformer_arch.DRSformer, Options/Deraining.yml; the MEFC-free '
            'DRSformer_arch_200L+SPA.py variant is not supported)')


def drsformer_key(key: str) -> Optional[str]:
    """The toolkit key of one official DRSformer key (not the TKSA weights), or ``None``."""
    if key in ('patch_embed.proj.weight', 'patch_embed.proj.bias'):
        return f'patch_embed.0.{key.rsplit(".", 1)[1]}'
    mefc = _MEFC.fullmatch(key)
    if mefc is not None:
        inner = first_match(_MEFC_INNER.items(), mefc[2])
        return None if inner is None else f'{_MEFC_SLOT[mefc[1]]}.{inner}'
    return block_key(key, lambda inner: first_match(_BLOCK_INNER.items(), inner)) or unet_key(key)


def _key_of(key: str) -> Optional[str]:
    """:func:`drsformer_key`, and for an official TKSA weight ``<block>.attn.attnN`` the toolkit's
    ``<block>.attn.branch_weights`` with ``.N`` appended (the four are stacked after the rename)."""
    branch = _BRANCH_WEIGHT.fullmatch(key)
    if branch is None:
        return drsformer_key(key)
    target = block_key(key, lambda inner: 'attn.branch_weights')
    return None if target is None else f'{target}.{branch[1]}'


@CHECKPOINT_CONVERTERS.register_module('drsformer')
def convert_drsformer(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename an official ``DRSformer`` state dict to the toolkit's keys.

    Raises:
        KeyError: Naming every official key that has no toolkit counterpart (including
            the TKSA weights ``attnN`` of a block that lacks some of the four).
    """
    converted = rename_state(state, _key_of, _NETWORK)
    branch_weights: dict[str, dict[int, tuple[str, Tensor]]] = {}
    for key in filter(_BRANCH_WEIGHT.fullmatch, state):
        target, number = _key_of(key).rsplit('.', 1)
        branch_weights.setdefault(target, {})[int(number)] = (key, converted.pop(f'{target}.{number}'))
    incomplete = [key for weights in branch_weights.values() if sorted(weights) != list(range(1, _NUM_BRANCHES + 1))
                  for key, _ in weights.values()]
    if incomplete:
        raise unmapped_error(incomplete, _NETWORK)
    for target, weights in branch_weights.items():  # attn1..attn4, each of shape (1,) -> (4,)
        converted[target] = torch.cat([weights[i][1].reshape(1) for i in range(1, _NUM_BRANCHES + 1)])
    return converted
