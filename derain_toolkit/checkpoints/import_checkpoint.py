"""Read a checkpoint of any supported layout into the state dict of a toolkit model (issue 10).

The one path every tool loads weights through (``load_model``, hence ``tools/derain.py``;
``load_from`` and resume through :class:`~derain_toolkit.engine.atomic_checkpoint_hook.AtomicCheckpointHook`,
hence ``tools/test.py`` and ``tools/train.py``; ``tools/convert_checkpoint.py``):

1. :func:`~derain_toolkit.checkpoints.layouts.unwrap_layout` finds the state dict in the
   file (BasicSR ``params``, ``state_dict``, Lightning ``net.``, plain; ``module.`` stripped).
2. If its keys are the model's (a toolkit checkpoint), or the model's backbone's (a bare
   toolkit network), it is taken as it is.
3. Otherwise the release named by the config's top-level ``checkpoint_converter`` maps the
   official network's keys onto the backbone (``CHECKPOINT_CONVERTERS``). An official
   release holds the network only: the model's other weights (e.g. the IR-SDE generator's
   DA-CLIP) stay as the config built them, and the description says so.

Strict in every case: a key the converter cannot map, a key the model lacks, a key the
model needs that the file lacks, or a shape that differs is a
:class:`CheckpointMismatchError` naming the keys and the file. The only keys a checkpoint
may lack are those of frozen modules rebuilt from their source
(:mod:`derain_toolkit.checkpoints.frozen`); they are filled from the model as built.
"""
import os
from dataclasses import dataclass
from typing import Any, Optional

from torch import Tensor, nn

from derain_toolkit.checkpoints.frozen import frozen_keys
from derain_toolkit.checkpoints.layouts import unwrap_layout
from derain_toolkit.checkpoints.safe_checkpoint import load_local_checkpoint
from derain_toolkit.errors import InputError
from derain_toolkit.registry import CHECKPOINT_CONVERTERS

_BACKBONE = 'backbone.'
_SHOWN = 8


class CheckpointMismatchError(InputError, ValueError):
    """A checkpoint's weights do not fit the model of the config."""


@dataclass(frozen=True)
class ImportedState:
    """Weights for a model, keyed exactly as its ``state_dict()``.

    Attributes:
        state: Key -> tensor for every key of the model.
        description: How the file was read (layout, converter, filled keys), for logs.
    """

    state: dict[str, Tensor]
    description: str


def _show(keys: list[str]) -> str:
    keys = sorted(keys)
    return f'{keys[:_SHOWN]}' + (f' and {len(keys) - _SHOWN} more' if len(keys) > _SHOWN else '')


def _mismatch(state: dict[str, Tensor], expected: dict[str, Tensor], optional: set[str]) -> list[str]:
    """What keeps ``state`` from loading into a model with ``expected`` tensors (empty when it fits)."""
    missing = [key for key in expected if key not in state and key not in optional]
    unexpected = [key for key in state if key not in expected]
    shapes = [f'{key}: file {tuple(state[key].shape)}, model {tuple(expected[key].shape)}'
              for key in state if key in expected and state[key].shape != expected[key].shape]
    problems = []
    if missing:
        problems.append(f'{len(missing)} keys of the model missing from the file: {_show(missing)}')
    if unexpected:
        problems.append(f'{len(unexpected)} keys of the file not in the model: {_show(unexpected)}')
    if shapes:
        problems.append(f'{len(shapes)} shapes differ: {shapes[:_SHOWN]}')
    return problems


def _completed(state: dict[str, Tensor], expected: dict[str, Tensor], description: str,
               filled: dict[str, str]) -> ImportedState:
    """``state`` plus the model's own tensors for its keys in ``filled`` (key -> why), described."""
    absent = [key for key in expected if key not in state]
    reasons: dict[str, int] = {}
    for key in absent:
        reasons[filled[key]] = reasons.get(filled[key], 0) + 1
    notes = [f'{count} tensors of {why}' for why, count in reasons.items()]
    full = {key: state[key] if key in state else expected[key] for key in expected}
    return ImportedState(full, description + (f'; kept as built: {", ".join(notes)}' if notes else ''))


def import_state(model: nn.Module, content: Any, source: str,
                 converter: Optional[str] = None) -> ImportedState:
    """The weights of a loaded checkpoint ``content`` for ``model``.

    Args:
        model: The model built from the config (a ``Derainer``, or any module).
        content: What ``torch.load`` returned for the file.
        source: The file's name, for messages.
        converter: The config's ``checkpoint_converter`` (an official release name), or ``None``.

    Raises:
        CheckpointMismatchError: The weights do not fit ``model`` (the message names the keys).
        CheckpointLayoutError: The file holds no state dict.
    """
    unwrapped = unwrap_layout(content, source)
    state = unwrapped.state
    expected = model.state_dict()
    frozen = {key: f'{name} (frozen, rebuilt from its source)'
              for key, name in frozen_keys(model, list(expected)).items()}
    problems = _mismatch(state, expected, set(frozen))
    if not problems:
        return _completed(state, expected, f'{source}: {unwrapped.layout}, toolkit keys', frozen)
    as_network = {_BACKBONE + key: value for key, value in state.items()}
    if not _mismatch(as_network, expected, set(frozen)):
        return _completed(as_network, expected, f'{source}: {unwrapped.layout}, toolkit network keys', frozen)
    if converter is None:
        raise CheckpointMismatchError(
            f"Checkpoint '{source}' ({unwrapped.layout}) does not fit the model of the config: {'; '.join(problems)}. "
            'Fix: use the config the checkpoint was trained with; for an official release, the model config must '
            f"name it with checkpoint_converter = '<name>' (registered: {sorted(CHECKPOINT_CONVERTERS.module_dict)})")
    convert = CHECKPOINT_CONVERTERS.get(converter)
    if convert is None:
        raise CheckpointMismatchError(
            f"checkpoint_converter = {converter!r} in the config is not a registered release; registered: "
            f'{sorted(CHECKPOINT_CONVERTERS.module_dict)} (derain_toolkit/checkpoints/converters/)')
    try:
        converted = {_BACKBONE + key: value for key, value in convert(state).items()}
    except KeyError as error:
        raise CheckpointMismatchError(
            f"Checkpoint '{source}' ({unwrapped.layout}) is neither a toolkit checkpoint of this config "
            f"({'; '.join(problems)}) nor an official {converter!r} checkpoint: {error.args[0]}. Fix: check that "
            "the file and the config's checkpoint_converter name the same release") from error
    outside = {key: 'the model outside its backbone (not part of an official network release)'
               for key in expected if not key.startswith(_BACKBONE)}
    problems = _mismatch(converted, expected, set(frozen) | set(outside))
    if problems:
        raise CheckpointMismatchError(
            f"Official {converter!r} checkpoint '{source}' ({unwrapped.layout}) does not fit the backbone of the "
            f"config after conversion: {'; '.join(problems)}. Fix: the config's backbone must be built with the "
            'constructor arguments of the released network (widths, depths, heads, biases)')
    return _completed(converted, expected, f"{source}: {unwrapped.layout}, official '{converter}' keys converted",
                      {**outside, **frozen})


def read_checkpoint(path: str | os.PathLike) -> Any:
    """Load the checkpoint file ``path`` on the CPU (``weights_only``), naming the file on failure.

    Raises:
        FileNotFoundError: ``path`` is not a file.
        CorruptCheckpointError: The file cannot be unpickled as a checkpoint.
        CheckpointMismatchError: Loading failed otherwise.
    """
    path = os.fspath(path)
    try:
        return load_local_checkpoint(path, map_location='cpu')
    except (FileNotFoundError, InputError):
        raise
    except Exception as error:
        raise CheckpointMismatchError(
            f"Checkpoint '{path}' cannot be loaded ({type(error).__name__}: {error}); expected a .pth file written "
            'by tools/train.py or an official release') from error


def load_checkpoint_file(model: nn.Module, path: str | os.PathLike, converter: Optional[str] = None) -> str:
    """Load the weights of the file ``path`` into ``model`` through :func:`import_state`; return its description."""
    imported = import_state(model, read_checkpoint(path), os.fspath(path), converter)
    model.load_state_dict(imported.state, strict=True)
    return imported.description
