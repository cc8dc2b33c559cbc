"""Build an open_clip model under the toolkit's weight rules (shared by DA-CLIP and CLIP-RPN).

Rules:
    * ``pretrained`` is an open_clip tag (e.g. ``'openai'``, downloaded into the open_clip /
      Hugging Face cache on first use) or the path of a local checkpoint file. If the weights
      cannot be obtained (no network, no cached file), building fails with a message that says
      how to give a local file.
    * ``pretrained=None`` builds a randomly initialised model and is only accepted with
      ``allow_random_init=True`` (tiny test configs); a warning says the embeddings are
      meaningless.
    * ``model_cfg`` (an open_clip model config dict with ``embed_dim``, ``vision_cfg``,
      ``text_cfg``) builds a custom architecture offline, e.g. a tiny ViT for tests; with a
      ``pretrained`` file its weights are loaded strictly.
    * A model whose weights came from ``pretrained`` is declared rebuilt from that source
      (:func:`derain_toolkit.checkpoints.frozen.mark_weights_from_source`): once its owner
      freezes it, training checkpoints leave it out. A random one (``pretrained=None``)
      cannot be rebuilt and is always saved.
"""
import os
import socket
import warnings
from copy import deepcopy
from typing import Optional, Union

import open_clip
import torch
import torch.nn as nn
import torch.nn.functional as F
from open_clip.pretrained import get_pretrained_cfg

from derain_toolkit.checkpoints.frozen import mark_weights_from_source

_DEFAULT_CONTEXT_LENGTH = 77

#: The toolkit's one tiny open_clip ViT (random weights, built offline; ``model_cfg='tiny'``):
#: one transformer layer of width 32 on 32x32 inputs in 16x16 patches, 16-d embeddings. Tiny
#: configs, the smoke budgets (``tiny_overrides`` of the CLIP parts) and tests use it.
TINY_CLIP = dict(
    embed_dim=16,
    vision_cfg=dict(image_size=32, layers=1, width=32, head_width=16, patch_size=16),
    text_cfg=dict(context_length=77, vocab_size=49408, width=32, heads=2, layers=1))


_URL_CACHE = os.path.expanduser('~/.cache/clip')


def _is_cached(tag_cfg: dict) -> bool:
    """Whether open_clip would find the weights of ``tag_cfg`` in its caches (no download)."""
    from huggingface_hub import try_to_load_from_cache
    hub = tag_cfg.get('hf_hub', '')
    if hub:
        repo_id, filename = os.path.split(hub)
        names = [filename] if filename else ['open_clip_model.safetensors', 'open_clip_pytorch_model.bin']
        if any(isinstance(try_to_load_from_cache(repo_id, name), str) for name in names):
            return True
    url = tag_cfg.get('url', '')
    return bool(url) and os.path.isfile(os.path.join(_URL_CACHE, os.path.basename(url)))


def _reachable(host: str = 'huggingface.co', timeout: float = 3.0) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _how_to_give_weights(model_name: str, cfg_key: str) -> str:
    from huggingface_hub import constants
    return (f'Give CLIP weights as a local file: download the {model_name} checkpoint on a machine '
            f'with network (e.g. OpenAI\'s ViT-B-32.pt, or run `python -c "import open_clip; '
            f"open_clip.create_model('{model_name}', pretrained='openai')\"` there and copy "
            f"open_clip's cache) and pass `pretrained='/path/to/{model_name}.pt'`, on the command "
            f'line: `--cfg-options {cfg_key}=/path/to/{model_name}.pt`. open_clip caches '
            f'downloads in {constants.HF_HUB_CACHE} (Hugging Face hub, env HF_HUB_CACHE) and '
            f'{_URL_CACHE} (direct URLs); weights already there are found without a network.')


def clip_weights_problem(model_name: str = 'ViT-B-32', pretrained: Optional[str] = 'openai',
                         cfg_key: str = 'model.backbone.router.pretrained') -> Optional[str]:
    """Say why CLIP weights cannot be had, or return ``None`` when they can (or are not wanted).

    Quick (no download, no retries): a local file must exist; a tag must be in open_clip's
    cache or its host reachable. ``tools/train.py`` can call it to report every missing
    input at once before building anything.

    Args:
        model_name: open_clip model name.
        pretrained: A tag of open_clip (``'openai'``), a local checkpoint path, or ``None``.
        cfg_key: The config key of ``pretrained``, for the ``--cfg-options`` advice.
    """
    if pretrained is None or os.path.isfile(pretrained):
        return None
    tag_cfg = get_pretrained_cfg(model_name, pretrained)
    if not tag_cfg:
        return (f"CLIP weights: pretrained={pretrained!r} is neither an existing file nor an open_clip "
                f'tag of {model_name} (tags include {open_clip.list_pretrained_tags_by_model(model_name)[:3]}). '
                + _how_to_give_weights(model_name, cfg_key))
    if _is_cached(tag_cfg) or _reachable():
        return None
    return (f"CLIP weights for {model_name} (pretrained={pretrained!r}) are not in open_clip's cache "
            'and cannot be downloaded (no network). ' + _how_to_give_weights(model_name, cfg_key))


def _weights_help(model_name: str, pretrained: str) -> str:
    return (f"Could not obtain open_clip weights pretrained='{pretrained}' for model '{model_name}' "
            "(this machine may have no network and no cached copy). Fix: download the checkpoint "
            "elsewhere (e.g. open_clip.create_model(model_name, pretrained=tag) fills the Hugging Face "
            "cache, or fetch the open_clip_pytorch_model.bin of the tag) and pass its local path as "
            "pretrained='/path/to/checkpoint.bin' (or .pt/.safetensors); for tiny tests only, use "
            "pretrained=None with allow_random_init=True.")


def describe_clip(model_name: str, model_cfg: Optional[dict] = None) -> str:
    """The CLIP that is built, for messages: open_clip's ``model_name``, or the custom ``model_cfg``'s size."""
    if model_cfg is None:
        return f"open_clip model '{model_name}'"
    vision, text = model_cfg.get('vision_cfg', {}), model_cfg.get('text_cfg', {})
    return (f"a custom open_clip CLIP from model_cfg (embed_dim {model_cfg.get('embed_dim')}; vision: "
            f"{vision.get('layers')} layer(s) of width {vision.get('width')} on {vision.get('image_size', 224)} px; "
            f"text: {text.get('layers')} layer(s) of width {text.get('width')}), not '{model_name}',")


def resolve_model_cfg(model_cfg: Union[dict, str, None]) -> Optional[dict]:
    """A copy of ``model_cfg``, with ``'tiny'`` standing for :data:`TINY_CLIP`.

    Raises:
        ValueError: A string other than ``'tiny'``.
    """
    if isinstance(model_cfg, str):
        if model_cfg != 'tiny':
            raise ValueError(f"model_cfg={model_cfg!r}: expected an open_clip model config dict, None, or 'tiny' "
                             '(the toolkit\'s tiny random CLIP, open_clip_loader.TINY_CLIP)')
        model_cfg = TINY_CLIP
    return None if model_cfg is None else deepcopy(dict(model_cfg))


def clip_image_input(images: torch.Tensor, size: int, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """[0, 1] images (B, 3, H, W) -> normalised CLIP input (B, 3, size, size): CLIP's preprocessing.

    The official transform of both CLIP users (OpenAI CLIP's and DA-CLIP's ``Resize(size,
    bicubic)`` + ``CenterCrop(size)`` + ``Normalize``), on tensors and with torchvision's
    rounding: the shorter side becomes ``size``, the longer ``int(size * long / short)``
    (truncated); the crop starts at ``int(round((side - size) / 2))``. Values are clamped to
    [0, 1] after the resize, as saving to 8 bits would.

    Args:
        images: (B, 3, H, W) in [0, 1].
        size: CLIP's input side.
        mean, std: CLIP's normalisation, (1, 3, 1, 1).
    """
    images = images.float()
    height, width = images.shape[-2:]
    if (height, width) != (size, size):
        short, long = min(height, width), max(height, width)
        new_long = int(size * long / short)
        new_size = (size, new_long) if height <= width else (new_long, size)
        images = F.interpolate(images, size=new_size, mode='bicubic', align_corners=False, antialias=True).clamp(0, 1)
        top = int(round((new_size[0] - size) / 2.0))
        left = int(round((new_size[1] - size) / 2.0))
        images = images[..., top:top + size, left:left + size]  # (B, 3, size, size)
    return (images - mean) / std


def build_open_clip(model_name: str,
                    pretrained: str | None,
                    allow_random_init: bool = False,
                    model_cfg: dict | str | None = None,
                    cfg_key: str = 'pretrained'
                    ) -> tuple[nn.Module, object, tuple[float, ...], tuple[float, ...], int]:
    """Build an open_clip CLIP model, its tokenizer and its image normalisation.

    Args:
        model_name: An open_clip architecture name (``'ViT-B-32'``); with ``model_cfg`` it is
            only a label used in messages.
        pretrained: An open_clip pretrained tag, a local checkpoint path, or ``None`` (random
            initialisation, needs ``allow_random_init=True``).
        allow_random_init: Accept ``pretrained=None`` (tiny configs and tests).
        model_cfg: A custom open_clip model config (``embed_dim``, ``vision_cfg``, ``text_cfg``,
            optional ``quick_gelu``), or ``'tiny'`` (:data:`TINY_CLIP`); overrides the built-in
            config of ``model_name``.
        cfg_key: The config key of ``pretrained``, named in the advice when weights are missing.

    Returns:
        ``(model, tokenizer, image_mean, image_std, image_size)``; the model is in eval mode.

    Raises:
        ValueError: ``pretrained=None`` without ``allow_random_init=True``.
        FileNotFoundError / RuntimeError: the weights cannot be found or downloaded.
    """
    model_cfg = resolve_model_cfg(model_cfg)
    if pretrained is None and not allow_random_init:
        raise ValueError(
            f"open_clip model '{model_name}' got pretrained=None: a randomly initialised CLIP gives "
            "meaningless embeddings. Expected pretrained='openai' (or another open_clip tag) or a "
            "local checkpoint path; set allow_random_init=True only for tiny test configs.")
    problem = clip_weights_problem(model_name, pretrained, cfg_key) if model_cfg is None else None
    if problem:  # fail at once: open_clip's own download retries for over a minute offline
        raise RuntimeError(problem)
    if pretrained is None:
        warnings.warn(f'{describe_clip(model_name, model_cfg)} is randomly initialised (pretrained=None, '
                      'allow_random_init=True): its embeddings are meaningless; only use it for tests and tiny '
                      'configs.')
    if model_cfg is not None:
        cfg = model_cfg
        model = open_clip.CLIP(**cfg)
        if pretrained is not None:
            if not os.path.isfile(pretrained):
                raise FileNotFoundError(
                    f"A custom model_cfg needs pretrained to be a local checkpoint file or None; found "
                    f"'{pretrained}', which is not a file. Fix: pass the path of the checkpoint.")
            open_clip.load_checkpoint(model, pretrained, strict=True)
        context_length = cfg['text_cfg'].get('context_length', _DEFAULT_CONTEXT_LENGTH)
        tokenizer = open_clip.SimpleTokenizer(context_length=context_length)
        image_size = cfg['vision_cfg'].get('image_size', 224)
        mean, std = open_clip.OPENAI_DATASET_MEAN, open_clip.OPENAI_DATASET_STD
    else:
        if pretrained is not None and not os.path.isfile(pretrained) and (
                os.sep in pretrained or pretrained.endswith(('.pt', '.bin', '.pth', '.safetensors'))):
            raise FileNotFoundError(_weights_help(model_name, pretrained))
        try:
            model = open_clip.create_model(model_name, pretrained=pretrained)
        except RuntimeError as error:
            if pretrained is None:  # nothing to obtain: not a weights problem
                raise
            raise RuntimeError(_weights_help(model_name, pretrained)) from error
        tokenizer = open_clip.get_tokenizer(model_name)
        preprocess = open_clip.get_model_preprocess_cfg(model)
        mean = tuple(preprocess.get('mean', open_clip.OPENAI_DATASET_MEAN))
        std = tuple(preprocess.get('std', open_clip.OPENAI_DATASET_STD))
        image_size = preprocess.get('size', model.visual.image_size)
    if isinstance(image_size, (tuple, list)):
        image_size = image_size[0]
    model.eval()
    if pretrained is not None:
        mark_weights_from_source(model, f'open_clip {model_name} pretrained={pretrained!r}')
    return model, tokenizer, tuple(mean), tuple(std), int(image_size)
