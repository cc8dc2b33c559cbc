"""The strict key renaming every converter ends with: official key -> toolkit key, or an error naming the rest."""
from collections.abc import Callable
from typing import Optional

from torch import Tensor


def rename_state(state: dict[str, Tensor], key_of: Callable[[str], Optional[str]], network: str) -> dict[str, Tensor]:
    """``state`` under the toolkit keys ``key_of`` gives, strictly.

    Args:
        state: Official key -> tensor.
        key_of: Official key -> toolkit key, or ``None`` when it has none.
        network: The official network, for the error (see :func:`unmapped_error`).

    Raises:
        KeyError: Naming every key for which ``key_of`` gives ``None``.
    """
    converted, unmapped = {}, []
    for key, value in state.items():
        new_key = key_of(key)
        if new_key is None:
            unmapped.append(key)
        else:
            converted[new_key] = value
    if unmapped:
        raise unmapped_error(unmapped, network)
    return converted


def unmapped_error(unmapped: list[str], network: str) -> KeyError:
    """The converters' error naming every official key without a toolkit counterpart."""
    return KeyError(f'{len(unmapped)} keys of the checkpoint are not keys of the official {network}: {unmapped}. '
                    'Check that the file is that release (the config names it with checkpoint_converter) and '
                    'that it was saved from the configuration the toolkit builds.')
