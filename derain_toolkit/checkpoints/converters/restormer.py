"""Official Restormer checkpoints -> :class:`RestormerUNet` keys.

Source: swz30/Restormer at df766d5521afd21cce56e24159f300b30ebf3fb0,
``basicsr/models/archs/restormer_arch.py``, class ``Restormer`` (Zamir et al., CVPR 2022,
Fig. 2); the deraining release ``deraining.pth`` is ``{'params': state_dict}`` of that class
with ``Deraining/Options/Deraining_Restormer.yml``'s ``network_g`` (the class defaults).

The official network names its four levels one by one, the toolkit indexes them: the table
is in ``_restormer_layout.py``, shared with the converters of the networks built on this
U-Net. In addition ``patch_embed.proj`` is ``patch_embed``; inside a block ``attn.*`` (MDTA:
``temperature``, ``qkv``, ``qkv_dwconv``, ``project_out``) and ``ffn.*`` (GDFN:
``project_in``, ``dwconv``, ``project_out``) keep their names. The dual-pixel defocus variant
(``skip_conv``) has no toolkit counterpart: its key is reported as unmappable.
"""
from typing import Optional

from torch import Tensor

from derain_toolkit.checkpoints.converters._rename import rename_state
from derain_toolkit.checkpoints.converters._restormer_layout import block_key, mdta_gdfn_key, unet_key
from derain_toolkit.registry import CHECKPOINT_CONVERTERS


def restormer_key(key: str) -> Optional[str]:
    """The toolkit key of one official Restormer key, or ``None`` when it has none."""
    if key in ('patch_embed.proj.weight', 'patch_embed.proj.bias'):
        return f'patch_embed.{key.rsplit(".", 1)[1]}'
    return block_key(key, mdta_gdfn_key) or unet_key(key)


@CHECKPOINT_CONVERTERS.register_module('restormer')
def convert_restormer(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename the keys of an official ``Restormer`` state dict to ``RestormerUNet``'s.

    Raises:
        KeyError: Naming every official key that has no toolkit counterpart.
    """
    return rename_state(state, restormer_key, 'Restormer (restormer_arch.Restormer, deraining configuration; the '
                                              'dual-pixel variant and its skip_conv are not supported)')
