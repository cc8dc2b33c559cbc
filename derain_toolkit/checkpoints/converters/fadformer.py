"""Official FADformer checkpoints -> :class:`~derain_toolkit.models.backbones.fadformer.FADformer` keys.

Source: deng-ai-lab/FADformer at 75a8835, ``models/FADformer.py``, class ``FADBackbone``
(factories ``FADformer()`` and ``FADformer_mini()``: always five stages, three levels). The
released weights (Baidu NetDisk, one per data set) are what ``train_*.py`` save:
``{'state_dict': nn.DataParallel(net).state_dict()}``, every key under ``module.``, BatchNorm
buffers included; the toolkit's loader unwraps the layout and the prefix before this
converter runs. Every ``Freq_Fusion.conv_mid`` (built, never called) has a toolkit key, so
the file loads strictly.

===============================================  ==================================================
official                                         toolkit (``FADformer``)
===============================================  ==================================================
``patch_embed.proj``                             ``patch_embed``
``layer1``, ``layer2`` / ``layer3``              ``encoders.0``, ``encoders.1`` / ``latent``
``layer4``, ``layer5``                           ``decoders.1``, ``decoders.0``
``  .blocks.{b}.norm1`` / ``norm2``              ``.{b}.norm1`` / ``norm2``
``  .blocks.{b}.mixer.conv_init.0``              ``.{b}.mixer.project_in.0``
``  ...mixer.dw_conv_1.0`` / ``dw_conv_2.0``     ``...mixer.local3.0`` / ``local5.0``
``  ...mixer.mixer_gloal.conv_init_1.0`` / ``_2``  ``...mixer.fusion.proj_local3.0`` / ``proj_local5.0``
``  ...mixer.mixer_gloal.conv_mid.0``            ``...mixer.fusion.conv_mid.0``
``  ...mixer.mixer_gloal.FFC.conv_layer`` / bn   ``...mixer.fusion.fourier.conv`` / ``norm``
``  ...mixer.mixer_gloal.bn``                    ``...mixer.fusion.norm``
``  ...mixer.ca_conv.{0,1}`` / ``ca.{1,3}``      ``...mixer.project_out.{0,1}`` / ``channel_attention.{1,3}``
``  ...ffn.conv_init.0`` / ``conv_dw.0``         ``...ffn.project_in.0`` / ``dwconv.0``
``  ...ffn.conv_fina.0``                         ``...ffn.project_out.0``
``  ...ffn.mask_in.0`` / ``mask_out.0``          ``...ffn.prior_in.0`` / ``prior_out.0``
``  ...ffn.mask_dw_conv_1.0`` / ``_2.0``         ``...ffn.gate3.0`` / ``gate5.0``
``downsample{1,2}.proj.0``                       ``downs.{0,1}.body.0``
``down_rcp{1,2}.proj.1``                         ``prior_downs.{0,1}.1``
``upsample1.proj.0`` / ``upsample2.proj.0``      ``ups.1.body.0`` / ``ups.0.body.0``
``up_rcp1.proj.0`` / ``up_rcp2.proj.0``          ``prior_ups.1.0`` / ``prior_ups.0.0``
``skip1`` / ``skip2``                            ``reduces.0`` / ``reduces.1``
``patch_unembed.proj.{0,1}``                     ``output.{0,1}``
===============================================  ==================================================
"""
import re

from torch import Tensor

from derain_toolkit.checkpoints.converters._rename import rename_state
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

_TENSOR = r'(weight|bias|running_mean|running_var|num_batches_tracked)'
_STAGES = {'1': 'encoders.0', '2': 'encoders.1', '3': 'latent', '4': 'decoders.1', '5': 'decoders.0'}
_BLOCK = {
    'norm1': 'norm1',
    'norm2': 'norm2',
    'mixer.conv_init.0': 'mixer.project_in.0',
    'mixer.dw_conv_1.0': 'mixer.local3.0',
    'mixer.dw_conv_2.0': 'mixer.local5.0',
    'mixer.mixer_gloal.conv_init_1.0': 'mixer.fusion.proj_local3.0',
    'mixer.mixer_gloal.conv_init_2.0': 'mixer.fusion.proj_local5.0',
    'mixer.mixer_gloal.conv_mid.0': 'mixer.fusion.conv_mid.0',
    'mixer.mixer_gloal.FFC.conv_layer': 'mixer.fusion.fourier.conv',
    'mixer.mixer_gloal.FFC.bn': 'mixer.fusion.fourier.norm',
    'mixer.mixer_gloal.bn': 'mixer.fusion.norm',
    'mixer.ca_conv.0': 'mixer.project_out.0',
    'mixer.ca_conv.1': 'mixer.project_out.1',
    'mixer.ca.1': 'mixer.channel_attention.1',
    'mixer.ca.3': 'mixer.channel_attention.3',
    'ffn.conv_init.0': 'ffn.project_in.0',
    'ffn.conv_dw.0': 'ffn.dwconv.0',
    'ffn.conv_fina.0': 'ffn.project_out.0',
    'ffn.mask_in.0': 'ffn.prior_in.0',
    'ffn.mask_dw_conv_1.0': 'ffn.gate3.0',
    'ffn.mask_dw_conv_2.0': 'ffn.gate5.0',
    'ffn.mask_out.0': 'ffn.prior_out.0',
}
_MODULES = {
    'patch_embed.proj': 'patch_embed',
    'downsample1.proj.0': 'downs.0.body.0',
    'downsample2.proj.0': 'downs.1.body.0',
    'down_rcp1.proj.1': 'prior_downs.0.1',
    'down_rcp2.proj.1': 'prior_downs.1.1',
    'upsample1.proj.0': 'ups.1.body.0',
    'upsample2.proj.0': 'ups.0.body.0',
    'up_rcp1.proj.0': 'prior_ups.1.0',
    'up_rcp2.proj.0': 'prior_ups.0.0',
    'skip1': 'reduces.0',
    'skip2': 'reduces.1',
    'patch_unembed.proj.0': 'output.0',
    'patch_unembed.proj.1': 'output.1',
}
_BLOCK_KEY = re.compile(r'layer([1-5])\.blocks\.(\d+)\.(.+)\.' + _TENSOR)
_MODULE_KEY = re.compile(r'(.+)\.' + _TENSOR)


def fadformer_key(key: str) -> str | None:
    """The toolkit key of one official FADformer key, or ``None`` when it has none."""
    block = _BLOCK_KEY.fullmatch(key)
    if block is not None:
        inner = _BLOCK.get(block[3])
        return None if inner is None else f'{_STAGES[block[1]]}.{block[2]}.{inner}.{block[4]}'
    module = _MODULE_KEY.fullmatch(key)
    if module is not None and module[1] in _MODULES:
        return f'{_MODULES[module[1]]}.{module[2]}'
    return None


@CHECKPOINT_CONVERTERS.register_module('fadformer')
def convert_fadformer(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename an official ``FADBackbone`` state dict (``module.`` already stripped) to the toolkit's keys.

    Raises:
        KeyError: Naming every official key that has no toolkit counterpart.
    """
    return rename_state(state, fadformer_key, 'FADformer (deng-ai-lab/FADformer models/FADformer.FADBackbone)')
