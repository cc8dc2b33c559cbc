"""Find the network state dict inside a checkpoint file, whatever its published layout.

Layouts recognised (the official releases of issue 10 and the toolkit's own files):

* BasicSR (Restormer, DRSformer): ``{'params': sd}`` and/or ``{'params_ema': sd}``. When
  both are present ``params`` is taken: it is what the official test scripts load
  (``checkpoint['params']``), and the description says that ``params_ema`` was ignored.
* ``{'state_dict': sd, ...}``: mmengine and this toolkit (``tools/train.py``), MPRNet,
  DA-CLIP's training script; a PyTorch Lightning checkpoint (PromptIR) is the same with
  every key under ``net.`` (the LightningModule's attribute), which is stripped.
* A plain state dict (IR-SDE and DA-CLIP U-Nets, ``BaseModel.save_network``; the bare
  ``DaCLIP.state_dict()``).

A ``module.`` prefix (DataParallel / DistributedDataParallel) on every key is stripped in
all layouts, as the official loaders do.
"""
from dataclasses import dataclass
from typing import Any

from torch import Tensor

from derain_toolkit.errors import InputError

_BASICSR_KEYS = ('params', 'params_ema')
_DATA_PARALLEL_PREFIX = 'module.'
_LIGHTNING_PREFIX = 'net.'


class CheckpointLayoutError(InputError, ValueError):
    """A checkpoint holds no state dict in any layout this module knows."""


@dataclass(frozen=True)
class UnwrappedState:
    """The network state dict of a checkpoint and how it was found.

    Attributes:
        state: Key -> tensor, wrapper prefixes removed.
        layout: Where the state dict was, in words (for logs and error messages).
    """

    state: dict[str, Tensor]
    layout: str


def _is_state_dict(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and isinstance(v, Tensor) for k, v in value.items())


def _strip_common_prefix(state: dict[str, Tensor], prefix: str) -> tuple[dict[str, Tensor], bool]:
    """``state`` without ``prefix`` when every key has it (and whether it did)."""
    if all(key.startswith(prefix) for key in state):
        return {key[len(prefix):]: value for key, value in state.items()}, True
    return state, False


def unwrap_layout(content: Any, source: str) -> UnwrappedState:
    """The network state dict inside a loaded checkpoint ``content``.

    Args:
        content: What ``torch.load`` returned for the file.
        source: The file's name, for messages.

    Raises:
        CheckpointLayoutError: ``content`` holds no state dict of tensors in a known layout.
    """
    if not isinstance(content, dict):
        raise CheckpointLayoutError(
            f'{source}: expected a checkpoint dict, found a {type(content).__name__}; give a .pth written by '
            "tools/train.py or an official release ({'params': ...}, {'state_dict': ...} or a state dict)")
    present = [key for key in _BASICSR_KEYS if _is_state_dict(content.get(key))]
    if present:
        state, layout = content[present[0]], f"BasicSR {{'{present[0]}': ...}}"
        if len(present) == 2:
            layout += " (params_ema also present and ignored: the official test scripts load 'params')"
    elif _is_state_dict(content.get('state_dict')):
        state, lightning = _strip_common_prefix(content['state_dict'], _LIGHTNING_PREFIX)
        layout = ("PyTorch Lightning {'state_dict': ...} with the network under 'net.'" if lightning
                  else "{'state_dict': ...} (mmengine / toolkit / training-script layout)")
    elif _is_state_dict(content):
        state, layout = content, 'plain state dict'
    else:
        raise CheckpointLayoutError(
            f'{source}: no state dict of tensors found; top-level keys {sorted(map(str, content))[:10]}. Expected '
            "a file written by tools/train.py ({'state_dict': ...}), BasicSR {'params': ...} / {'params_ema': ...}, "
            'a PyTorch Lightning checkpoint, or a plain state dict')
    state, parallel = _strip_common_prefix(state, _DATA_PARALLEL_PREFIX)
    if parallel:
        layout += ", 'module.' prefix stripped"
    return UnwrappedState(state=dict(state), layout=layout)
