"""Official MPRNet (deraining) checkpoints -> :class:`~derain_toolkit.models.backbones.mprnet.MPRNet` keys.

Source: swz30/MPRNet at 43feb2a, ``Deraining/MPRNet.py``, class ``MPRNet``. The released
``model_deraining.pth`` (Google Drive, ``Deraining/pretrained_models/README.md``) is what
``Deraining/train.py`` saves: ``{'epoch', 'state_dict', 'optimizer'}``, ``state_dict`` of
the network wrapped in ``nn.DataParallel`` when more than one GPU trains it (the official
``training.yml`` uses four), so its keys may start with ``module.``; ``utils.load_checkpoint``
tries the keys as they are, then with their first 7 characters cut. The toolkit's loader
unwraps both before this converter runs. The shared ``nn.PReLU`` appears under every CAB
(``...body.1.weight``), in the official state dict as in the toolkit's.

Official names are numbered one by one; the toolkit indexes them (l = level 1..3, s = stage):

=========================================  ==================================================
official                                   toolkit (``MPRNet``)
=========================================  ==================================================
``shallow_feat{s}.{0,1}``                  ``shallow_feats.{s-1}.{0,1}``
``stage{s}_encoder.encoder_level{l}.{b}``  ``encoders.{s-1}.levels.{l-1}.{b}``
``stage{s}_encoder.down12`` / ``down23``   ``encoders.{s-1}.downs.{0,1}``
``stage2_encoder.csff_{enc,dec}{l}``       ``encoders.1.csff_{enc,dec}.{l-1}``
``stage{s}_decoder.decoder_level{l}.{b}``  ``decoders.{s-1}.levels.{l-1}.{b}``
``stage{s}_decoder.skip_attn{l}``          ``decoders.{s-1}.skip_attn.{l-1}``
``stage{s}_decoder.up21`` / ``up32``       ``decoders.{s-1}.ups.{0,1}``
``stage3_orsnet.orb{k}.body.{j}``          ``orsnet.orbs.{k-1}.body.{j}``
``stage3_orsnet.up_{enc,dec}1``            ``orsnet.up_{enc,dec}.1.0``
``stage3_orsnet.up_{enc,dec}2.{0,1}``      ``orsnet.up_{enc,dec}.2.{0,1}``
``stage3_orsnet.conv_{enc,dec}{l}``        ``orsnet.csff_{enc,dec}.{l-1}``
``sam12`` / ``sam23``                      ``sams.{0,1}``
``conv1``, ``conv2``, ``conv3`` (SAM)      ``conv_feat``, ``conv_image``, ``conv_gate``
``concat12`` / ``concat23``                ``fuses.{0,1}``
``tail``                                   ``tail``
=========================================  ==================================================

Inside a CAB, ``body.{0,1,2}`` keep their names and the channel attention's
``CA.conv_du.{0,2}`` is ``attention.body.{1,3}`` (its pooling is ``attention.body.0``);
the resampling modules' ``down.1`` / ``up.1`` convolution is ``.1`` (``.0`` is the resize).
"""
import re
from collections.abc import Callable

from torch import Tensor

from derain_toolkit.checkpoints.converters._rename import first_match, rename_state
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

_PARAM = r'(weight|bias)'
_CAB_INNER = {'body.0': 'body.0', 'body.1': 'body.1', 'body.2': 'body.2',
              'CA.conv_du.0': 'attention.body.1', 'CA.conv_du.2': 'attention.body.3'}
_CAB = re.compile(r'(body\.[012]|CA\.conv_du\.[02])\.' + _PARAM)
_SAM_CONVS = {'1': 'conv_feat', '2': 'conv_image', '3': 'conv_gate'}
_RESAMPLE = {'down12': 'downs.0', 'down23': 'downs.1', 'up21': 'ups.0', 'up32': 'ups.1'}


def _cab(prefix: str, inner: str) -> str | None:
    """``prefix`` + the toolkit name of one key inside an official CAB, or ``None``."""
    match = _CAB.fullmatch(inner)
    return None if match is None else f'{prefix}.{_CAB_INNER[match[1]]}.{match[2]}'


def _orb_body(prefix: str, index: str, inner: str) -> str | None:
    """An ORB's ``body.{j}``: a CAB, or (the last entry) the closing convolution's own weight."""
    if re.fullmatch(_PARAM, inner):
        return f'{prefix}.{index}.{inner}'
    return _cab(f'{prefix}.{index}', inner)


_PATTERNS: tuple[tuple[re.Pattern, Callable[[re.Match], str | None]], ...] = (
    (re.compile(r'shallow_feat([123])\.0\.' + _PARAM), lambda m: f'shallow_feats.{int(m[1]) - 1}.0.{m[2]}'),
    (re.compile(r'shallow_feat([123])\.1\.(.+)'), lambda m: _cab(f'shallow_feats.{int(m[1]) - 1}.1', m[2])),
    (re.compile(r'stage([12])_(en|de)coder\.\2coder_level([123])\.(\d+)\.(.+)'),
     lambda m: _cab(f'{m[2]}coders.{int(m[1]) - 1}.levels.{int(m[3]) - 1}.{m[4]}', m[5])),
    (re.compile(r'stage([12])_decoder\.skip_attn([12])\.(.+)'),
     lambda m: _cab(f'decoders.{int(m[1]) - 1}.skip_attn.{int(m[2]) - 1}', m[3])),
    (re.compile(r'stage([12])_encoder\.(down12|down23)\.down\.1\.weight'),
     lambda m: f'encoders.{int(m[1]) - 1}.{_RESAMPLE[m[2]]}.1.weight'),
    (re.compile(r'stage([12])_decoder\.(up21|up32)\.up\.1\.weight'),
     lambda m: f'decoders.{int(m[1]) - 1}.{_RESAMPLE[m[2]]}.1.weight'),
    (re.compile(r'stage2_encoder\.csff_(enc|dec)([123])\.' + _PARAM),
     lambda m: f'encoders.1.csff_{m[1]}.{int(m[2]) - 1}.{m[3]}'),
    (re.compile(r'stage3_orsnet\.orb([123])\.body\.(\d+)\.(.+)'),
     lambda m: _orb_body(f'orsnet.orbs.{int(m[1]) - 1}.body', m[2], m[3])),
    (re.compile(r'stage3_orsnet\.up_(enc|dec)1\.up\.1\.weight'), lambda m: f'orsnet.up_{m[1]}.1.0.1.weight'),
    (re.compile(r'stage3_orsnet\.up_(enc|dec)2\.([01])\.up\.1\.weight'),
     lambda m: f'orsnet.up_{m[1]}.2.{m[2]}.1.weight'),
    (re.compile(r'stage3_orsnet\.conv_(enc|dec)([123])\.' + _PARAM),
     lambda m: f'orsnet.csff_{m[1]}.{int(m[2]) - 1}.{m[3]}'),
    (re.compile(r'sam(12|23)\.conv([123])\.' + _PARAM),
     lambda m: f'sams.{0 if m[1] == "12" else 1}.{_SAM_CONVS[m[2]]}.{m[3]}'),
    (re.compile(r'concat(12|23)\.' + _PARAM), lambda m: f'fuses.{0 if m[1] == "12" else 1}.{m[2]}'),
    (re.compile(r'tail\.' + _PARAM), lambda m: f'tail.{m[1]}'),
)


def mprnet_key(key: str) -> str | None:
    """The toolkit key of one official MPRNet key, or ``None`` when it has none."""
    return first_match(_PATTERNS, key)


@CHECKPOINT_CONVERTERS.register_module('mprnet')
def convert_mprnet(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename the keys of an official deraining ``MPRNet`` state dict to the toolkit's.

    Raises:
        KeyError: Naming every official key that has no toolkit counterpart.
    """
    return rename_state(state, mprnet_key, 'MPRNet (swz30/MPRNet Deraining/MPRNet.py, class MPRNet)')
