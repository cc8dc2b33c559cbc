"""Official PReNet checkpoints -> :class:`~derain_toolkit.models.backbones.prenet.PReNet` keys.

Source: csdwren/PReNet at 6d908d1, ``networks.py``, class ``PReNet``. The released weights
(``logs/<set>/PReNet6/net_latest.pth``, in the repository) are ``torch.save(model.state_dict())``
of the bare network (``train_PReNet.py`` does not wrap it; ``test_PReNet.py`` loads the file
with ``model.load_state_dict(torch.load(...))``): a plain state dict, no prefix. They are
saved in PyTorch's legacy (pre-1.6, non-zip) format, which ``torch.load`` still reads.

=================================  ==========================================
official                           toolkit (``PReNet``)
=================================  ==========================================
``conv0.0``                        ``fuse.0``
``res_conv{k}.{0,2}``              ``res_blocks.{k-1}.body.{0,2}`` (k = 1..5)
``conv_i.0``, ``conv_f.0``,        ``gates``: the four weights (biases)
``conv_g.0``, ``conv_o.0``         concatenated along the output channels, i, f, g, o
``conv.0``                         ``out``
=================================  ==========================================
"""
import re

import torch
from torch import Tensor

from derain_toolkit.checkpoints.converters._rename import first_match, rename_state
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

_GATES = ('i', 'f', 'g', 'o')
_PATTERNS = (
    (re.compile(r'conv0\.0\.(weight|bias)'), lambda m: f'fuse.0.{m[1]}'),
    (re.compile(r'res_conv([1-9]\d*)\.([02])\.(weight|bias)'),
     lambda m: f'res_blocks.{int(m[1]) - 1}.body.{m[2]}.{m[3]}'),
    (re.compile(r'conv\.0\.(weight|bias)'), lambda m: f'out.{m[1]}'),
    (re.compile(r'conv_([ifgo])\.0\.(weight|bias)'), lambda m: f'gates.{m[2]}.{m[1]}'),  # fused below
)


@CHECKPOINT_CONVERTERS.register_module('prenet')
def convert_prenet(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename an official ``PReNet`` state dict to the toolkit's keys and fuse the gate convolutions.

    Raises:
        KeyError: Naming every official key that has no toolkit counterpart, or the gate
            keys missing when only some of the four gates are present.
    """
    converted = rename_state(state, lambda key: first_match(_PATTERNS, key),
                             'PReNet (csdwren/PReNet networks.PReNet)')
    gates = {(name, kind): converted.pop(f'gates.{kind}.{name}') for name in _GATES for kind in ('weight', 'bias')
             if f'gates.{kind}.{name}' in converted}
    for kind in ('weight', 'bias'):
        present = [name for name in _GATES if (name, kind) in gates]
        if not present:
            continue
        if len(present) < len(_GATES):
            missing = [f'conv_{name}.0.{kind}' for name in _GATES if name not in present]
            raise KeyError(f'PReNet checkpoint: the LSTM gates are fused into one convolution, which needs all '
                           f'four gate {kind}s; missing {missing}')
        converted[f'gates.{kind}'] = torch.cat([gates[(name, kind)] for name in _GATES], dim=0)
    return converted
