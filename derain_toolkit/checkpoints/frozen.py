"""Frozen pre-trained weights that a model rebuilds from their source (issue 12).

CLIP-RPN's router and DA-CLIP hold an open_clip model (151 M parameters for ViT-B/32,
about 600 MB) that never trains and that every build of the model loads again from its
source (an open_clip tag or a local file). Saving it in every training checkpoint costs
disk and time and adds nothing. A module that is rebuilt that way declares it with
:func:`mark_weights_from_source` (``build_open_clip`` does, whenever it loads weights);
:func:`frozen_from_source` lists the declared modules that are frozen (no parameter
requires a gradient), and only those may be left out of a checkpoint and absent when one
is loaded. Any other missing key stays an error, and a declared module that trains is
saved like everything else.
"""
from torch import Tensor, nn

_SOURCE_ATTR = 'weights_source'


def _prefix(name: str) -> str:
    """The state-dict key prefix of the module called ``name`` (``''`` for the root)."""
    return f'{name}.' if name else ''


def mark_weights_from_source(module: nn.Module, source: str) -> nn.Module:
    """Declare that ``module``'s weights are rebuilt from ``source`` whenever the model is built.

    Args:
        module: The module whose whole state comes from ``source``.
        source: Where the weights come from, in words (e.g. ``"open_clip ViT-B-32 pretrained='openai'"``).
    """
    setattr(module, _SOURCE_ATTR, source)
    return module


def frozen_from_source(model: nn.Module) -> dict[str, str]:
    """``{module name: source}`` of the declared modules of ``model`` none of whose parameters train.

    A declared module inside another one is covered by the outer one and not listed.
    """
    found: dict[str, str] = {}
    for name, module in model.named_modules():
        source = getattr(module, _SOURCE_ATTR, None)
        if source is None or any(param.requires_grad for param in module.parameters()):
            continue
        if not any(name.startswith(_prefix(outer)) for outer in found):
            found[name] = source
    return found


def frozen_keys(model: nn.Module, keys: list[str]) -> dict[str, str]:
    """``{key: module name}`` for the keys of ``keys`` that belong to a frozen declared module of ``model``."""
    names = frozen_from_source(model)
    return {key: name for key in keys for name in names if key.startswith(_prefix(name))}


def drop_frozen_weights(model: nn.Module, state: dict[str, Tensor]) -> dict[str, str]:
    """Delete the keys of ``model``'s frozen declared modules from ``state`` in place.

    Returns:
        ``{module name: source}`` of the modules whose keys were deleted.
    """
    dropped = frozen_keys(model, list(state))
    for key in dropped:
        del state[key]
    sources = frozen_from_source(model)
    return {name: sources[name] for name in sorted(set(dropped.values()))}
