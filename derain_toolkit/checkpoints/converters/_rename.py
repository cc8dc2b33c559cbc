"""The strict key renaming every converter ends with: official key -> toolkit key, or an error naming the rest."""
import re
from collections.abc import Callable, Iterable
from typing import Any, Optional, Union

from torch import Tensor

# (pattern, rename): rename makes a value of the pattern's match, or is a template for ``match.expand``.
Patterns = Iterable[tuple[re.Pattern, Union[Callable[[re.Match], Any], str]]]


def first_match(patterns: Patterns, key: str) -> Any:
    """What the first pattern that matches the whole of ``key`` makes of it, else ``None``.

    Args:
        patterns: ``(pattern, rename)`` pairs, tried in order; ``rename`` is called with the
            match, or (a string) expanded with its groups (``r'attn.\1'``).
        key: An official key (or a part of one).
    """
    for pattern, rename in patterns:
        match = pattern.fullmatch(key)
        if match is not None:
            return rename(match) if callable(rename) else match.expand(rename)
    return None


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
