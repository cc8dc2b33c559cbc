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
"""
import os
import warnings
from copy import deepcopy

import open_clip
import torch.nn as nn

_DEFAULT_CONTEXT_LENGTH = 77


def _weights_help(model_name: str, pretrained: str) -> str:
    return (f"Could not obtain open_clip weights pretrained='{pretrained}' for model '{model_name}' "
            "(this machine may have no network and no cached copy). Fix: download the checkpoint "
            "elsewhere (e.g. open_clip.create_model(model_name, pretrained=tag) fills the Hugging Face "
            "cache, or fetch the open_clip_pytorch_model.bin of the tag) and pass its local path as "
            "pretrained='/path/to/checkpoint.bin' (or .pt/.safetensors); for tiny tests only, use "
            "pretrained=None with allow_random_init=True.")


def build_open_clip(model_name: str,
                    pretrained: str | None,
                    allow_random_init: bool = False,
                    model_cfg: dict | None = None
                    ) -> tuple[nn.Module, object, tuple[float, ...], tuple[float, ...], int]:
    """Build an open_clip CLIP model, its tokenizer and its image normalisation.

    Args:
        model_name: An open_clip architecture name (``'ViT-B-32'``); with ``model_cfg`` it is
            only a label used in messages.
        pretrained: An open_clip pretrained tag, a local checkpoint path, or ``None`` (random
            initialisation, needs ``allow_random_init=True``).
        allow_random_init: Accept ``pretrained=None`` (tiny configs and tests).
        model_cfg: A custom open_clip model config (``embed_dim``, ``vision_cfg``, ``text_cfg``,
            optional ``quick_gelu``); overrides the built-in config of ``model_name``.

    Returns:
        ``(model, tokenizer, image_mean, image_std, image_size)``; the model is in eval mode.

    Raises:
        ValueError: ``pretrained=None`` without ``allow_random_init=True``.
        FileNotFoundError / RuntimeError: the weights cannot be found or downloaded.
    """
    if pretrained is None and not allow_random_init:
        raise ValueError(
            f"open_clip model '{model_name}' got pretrained=None: a randomly initialised CLIP gives "
            "meaningless embeddings. Expected pretrained='openai' (or another open_clip tag) or a "
            "local checkpoint path; set allow_random_init=True only for tiny test configs.")
    if pretrained is None:
        warnings.warn(f"open_clip model '{model_name}' is randomly initialised (pretrained=None, "
                      "allow_random_init=True): only use this for tests and tiny configs.")
    if model_cfg is not None:
        cfg = deepcopy(dict(model_cfg))
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
            raise RuntimeError(_weights_help(model_name, pretrained)) from error
        tokenizer = open_clip.get_tokenizer(model_name)
        preprocess = open_clip.get_model_preprocess_cfg(model)
        mean = tuple(preprocess.get('mean', open_clip.OPENAI_DATASET_MEAN))
        std = tuple(preprocess.get('std', open_clip.OPENAI_DATASET_STD))
        image_size = preprocess.get('size', model.visual.image_size)
    if isinstance(image_size, (tuple, list)):
        image_size = image_size[0]
    model.eval()
    return model, tokenizer, tuple(mean), tuple(std), int(image_size)
