"""Degradation-aware CLIP (DA-CLIP paper Sec. III, Figs. 2-3), equal to the official ``DaCLIP``.

A frozen open_clip model (``clip``) plus a trainable controller (``visual_control``, see
``controller.py``). ``encode_image(pixels, control=True)`` returns the content embedding (the
frozen encoder under the controller's controls, meant to match the clean caption) and the
degradation embedding (the controller's output, meant to match the degradation-type text).
The learnable temperature of Eq. (3) (``logit_scale``) starts from CLIP's and trains with the
controller.

Official code: Algolzw/daclip-uir, commit c2cc141, ``universal-image-restoration/open_clip/
daclip_model.py`` ``DaCLIP`` (checked against its outputs in
``tests/fixtures/official/daclip_controller_tiny_io.pt``). Same attribute names, so the state
dict is the official one except the ``visual.*`` alias of ``clip.visual.*``, which the official
module registers twice and this one does not. ``encode_image``, ``encode_text`` and ``forward``
take CLIP-normalised pixels and token ids and return what the official ones return.

CLIP base: the official controller was trained on open_clip ``ViT-B-32`` with
``pretrained='laion2b_s34b_b79k'`` (da-clip/README.md, ``--pretrained "laion2b_s34b_b79k"``);
that is the default. The released ``daclip_ViT-B-32.pt`` holds both the CLIP weights and the
controller: give it as ``controller_checkpoint`` and no other CLIP weights are needed.

Image preprocessing (:meth:`DACLIP.preprocess`) follows the official test-time
``clip_transform``: resize the shorter side to the CLIP input size (bicubic, antialiased),
centre crop, normalise with the OpenAI CLIP mean/std; here on tensors in [0, 1] rather than
PIL images of uint8, so values differ by rounding.
"""
import os
import warnings
from collections.abc import Sequence
from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.checkpoints.frozen import mark_weights_from_source
from derain_toolkit.models.daclip.controller import (
    controlled_visual_forward,
    make_visual_control,
    visual_control_forward,
)
from derain_toolkit.models.layers.open_clip_loader import (
    build_open_clip,
    clip_image_input,
    clip_weights_problem,
    resolve_model_cfg,
)
from derain_toolkit.registry import MODELS

_CFG_KEY = 'model.generator.daclip.pretrained'
_CHECKPOINT_KEY = 'model.generator.daclip.controller_checkpoint'
_RELEASE_URL = 'https://huggingface.co/weblzw/daclip-uir-ViT-B-32-irsde/blob/main/daclip_ViT-B-32.pt'

#: Degradation texts of the official DA-CLIP training set (universal image restoration).
DEGRADATION_TYPES = ('motion-blurry', 'hazy', 'jpeg-compressed', 'low-light', 'noisy', 'raindrop', 'rainy',
                     'shadowed', 'snowy', 'uncompleted')


def _read_daclip_state(path: str) -> dict[str, torch.Tensor]:
    """The DA-CLIP state dict of ``path``, unwrapped as the official ``factory.load_checkpoint``:
    ``checkpoint['state_dict']`` when present, a leading ``module.`` stripped."""
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f'DACLIP: controller_checkpoint {path!r} is not a file. Expected the released DA-CLIP checkpoint '
            f'(daclip_ViT-B-32.pt, {_RELEASE_URL}) or a controller file written by tools/train_daclip.py; fix the '
            f'path with --cfg-options {_CHECKPOINT_KEY}=/path/to/daclip_ViT-B-32.pt, or set it to None.')
    state = torch.load(path, map_location='cpu', weights_only=True, mmap=True)
    if isinstance(state, dict) and isinstance(state.get('state_dict'), dict):
        state = state['state_dict']
    if not isinstance(state, dict) or not state:
        raise ValueError(f'DACLIP: {path!r} holds no state dict (found {type(state).__name__}); expected a DA-CLIP '
                         f'checkpoint such as daclip_ViT-B-32.pt ({_RELEASE_URL}).')
    if next(iter(state)).startswith('module'):
        state = {k[len('module.'):]: v for k, v in state.items()}
    return state


def _has_clip(state: dict[str, torch.Tensor]) -> bool:
    return any(k.startswith('clip.') for k in state)


@MODELS.register_module()
class DACLIP(nn.Module):
    """Args:
        clip_model: open_clip architecture (``'ViT-B-32'`` in DA-CLIP).
        pretrained: open_clip tag (official: ``'laion2b_s34b_b79k'``) or a local file of the
            CLIP weights; not used when ``controller_checkpoint`` holds CLIP weights (the
            released file does). ``None`` needs ``allow_random_init=True`` (tiny tests only).
        allow_random_init: Accept a randomly initialised CLIP.
        model_cfg: A custom open_clip model config, or ``'tiny'`` (the toolkit's tiny random
            CLIP, :data:`~derain_toolkit.models.layers.open_clip_loader.TINY_CLIP`); the official
            ``custom_text`` flag is accepted and ignored (DA-CLIP always builds ``CLIP``).
        controller_checkpoint: The released DA-CLIP checkpoint (``daclip_ViT-B-32.pt``: CLIP and
            controller; bare, under ``state_dict``, with or without ``module.``) or a
            controller-only file from ``tools/train_daclip.py``. Without one, the controller is
            at its zero-initialised start: the content embedding is plain CLIP's (a warning
            says so).
        warn_untrained: Warn when no ``controller_checkpoint`` is given.
    """

    global_context = True  # the CLIP embeddings describe the whole image (tiling, inference.py)

    def __init__(self,
                 clip_model: str = 'ViT-B-32',
                 pretrained: Optional[str] = 'laion2b_s34b_b79k',
                 allow_random_init: bool = False,
                 model_cfg: Optional[Union[dict, str]] = None,
                 controller_checkpoint: Optional[str] = None,
                 warn_untrained: bool = True) -> None:
        super().__init__()
        state = _read_daclip_state(controller_checkpoint) if controller_checkpoint is not None else None
        model_cfg = resolve_model_cfg(model_cfg)
        if model_cfg is not None:
            model_cfg = {k: v for k, v in model_cfg.items() if k != 'custom_text'}
        with warnings.catch_warnings():
            if state is not None and _has_clip(state):  # CLIP weights come from the checkpoint
                pretrained, allow_random_init = None, True
                warnings.filterwarnings('ignore', message='.*randomly initialised')
            clip, self.tokenizer, mean, std, self.image_size = build_open_clip(
                clip_model, pretrained, allow_random_init=allow_random_init, model_cfg=model_cfg, cfg_key=_CFG_KEY)
        clip.requires_grad_(False)
        self.clip = clip
        self.visual_control = make_visual_control(clip.visual)
        self.logit_scale = nn.Parameter(clip.logit_scale.detach().clone())
        self.register_buffer('image_mean', torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer('image_std', torch.tensor(std).view(1, 3, 1, 1), persistent=False)
        if state is not None:
            self._load_official(state, controller_checkpoint, clip_model, model_cfg)
            # Every weight now comes from the file (CLIP too, or from `pretrained`): once its owner
            # freezes it (IR-SDE guidance), training checkpoints leave it out.
            mark_weights_from_source(self, f'DA-CLIP checkpoint {controller_checkpoint!r}')
        elif warn_untrained:
            warnings.warn('DACLIP: no controller_checkpoint given; the controller is at its zero-initialised start, '
                          'so the content embedding equals plain CLIP\'s. Give the released daclip_ViT-B-32.pt '
                          f'({_CHECKPOINT_KEY}) or train one with tools/train_daclip.py.')

    @staticmethod
    def tiny_overrides(cfg: dict) -> dict:
        """The smoke budgets' variant: the tiny random CLIP, no controller checkpoint."""
        return dict(pretrained=None, allow_random_init=True, model_cfg='tiny', controller_checkpoint=None,
                    warn_untrained=False)

    @staticmethod
    def random_init_overrides(cfg: dict) -> dict:
        """Same size, random weights, no controller file: for counting parameters and MACs offline."""
        return dict(pretrained=None, allow_random_init=True, controller_checkpoint=None, warn_untrained=False)

    @staticmethod
    def preflight(cfg: dict) -> list[str]:
        """Problems building ``cfg`` would meet, found without building it (missing weights)."""
        checkpoint = cfg.get('controller_checkpoint')
        if checkpoint is not None:
            if not os.path.isfile(checkpoint):
                return [f'DACLIP: controller_checkpoint {checkpoint!r} is not a file; give the released '
                        f'daclip_ViT-B-32.pt ({_RELEASE_URL}) with --cfg-options {_CHECKPOINT_KEY}=/path/to/it']
            if _has_clip(_read_daclip_state(checkpoint)):
                return []
        if cfg.get('model_cfg') is not None:
            return []
        problem = clip_weights_problem(cfg.get('clip_model', 'ViT-B-32'), cfg.get('pretrained', 'laion2b_s34b_b79k'),
                                       _CFG_KEY)
        return [problem] if problem else []

    def _load_official(self, state: dict[str, torch.Tensor], path: str, clip_model: str,
                       model_cfg: Optional[dict]) -> None:
        """Load an official DA-CLIP state dict (or its controller part) strictly; see the class doc."""
        state = dict(state)
        for key in [k for k in state if k.startswith('visual.')]:  # the official alias of clip.visual.*
            alias = state.pop(key)
            target = 'clip.' + key
            shared = target in state and alias.data_ptr() == state[target].data_ptr()  # saved as one storage
            if target in state and not shared and not torch.equal(state[target], alias):
                raise ValueError(f'DACLIP: {path!r} has {key} and {target} with different values; the official '
                                 'DaCLIP stores the same tensor under both names, so the file is corrupt.')
            state.setdefault(target, alias)
        own = self.state_dict()
        expected = set(own) if _has_clip(state) else set(self.controller_state_dict())
        missing = sorted(expected - set(state))
        unexpected = sorted(set(state) - expected)
        wrong_shape = sorted(f'{k} {tuple(state[k].shape)} (expected {tuple(own[k].shape)})'
                             for k in expected & set(state) if state[k].shape != own[k].shape)
        if missing or unexpected or wrong_shape:
            built = f'model_cfg={model_cfg}' if model_cfg is not None else f'clip_model={clip_model!r}'
            raise RuntimeError(
                f'DACLIP: {path!r} does not fit the DA-CLIP built with {built}: {len(missing)} missing keys '
                f'{missing[:4]}, {len(unexpected)} unexpected {unexpected[:4]}, {len(wrong_shape)} of another shape '
                f'{wrong_shape[:3]}. Expected the official DaCLIP layout (clip.*, visual_control.*, logit_scale) of '
                f"the same CLIP: the released daclip_ViT-B-32.pt needs clip_model='ViT-B-32' and model_cfg=None; a "
                'file from tools/train_daclip.py needs the --clip-model it was trained with.')
        self.load_state_dict(state, strict=False)

    def train(self, mode: bool = True) -> 'DACLIP':
        """Switch the controller's mode; the frozen CLIP model always stays in eval mode."""
        super().train(mode)
        self.clip.eval()
        return self

    def controller_state_dict(self) -> dict[str, torch.Tensor]:
        """The trainable weights (controller and temperature) under their official keys."""
        state = {f'visual_control.{k}': v for k, v in self.visual_control.state_dict().items()}
        state['logit_scale'] = self.logit_scale.detach()
        return state

    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [0, 1] → normalised (B, 3, S, S) CLIP input (official ``clip_transform``:
        shorter side resized to S, centre crop)."""
        return clip_image_input(images, self.image_size, self.image_mean, self.image_std)

    def encode_image(self, pixels: torch.Tensor, control: bool = False,
                     normalize: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Official ``DaCLIP.encode_image``.

        Args:
            pixels: Normalised CLIP input (B, 3, S, S) (see :meth:`preprocess`).
            control: Use the controller.
            normalize: L2-normalise the embeddings.

        Returns:
            With ``control``: ``(content, degradation)``, each (B, embed_dim); without: the
            plain CLIP image embedding (B, embed_dim).
        """
        if not control:
            return self.clip.encode_image(pixels, normalize=normalize)
        degradation, hiddens = visual_control_forward(self.visual_control, pixels)
        content = controlled_visual_forward(self.clip.visual, pixels, hiddens)
        if normalize:
            content, degradation = F.normalize(content, dim=-1), F.normalize(degradation, dim=-1)
        return content, degradation

    def tokenize(self, texts: Sequence[str]) -> torch.Tensor:
        """Token ids (N, context_length) on the model's device."""
        return self.tokenizer(list(texts)).to(self.logit_scale.device)

    def encode_text(self, tokens: torch.Tensor, normalize: bool = False) -> torch.Tensor:
        """Frozen CLIP text embeddings (N, embed_dim) of token ids (N, context_length)."""
        return self.clip.encode_text(tokens, normalize=normalize)

    def forward(self, pixels: torch.Tensor, text: torch.Tensor) -> dict[str, torch.Tensor]:
        """Official ``DaCLIP.forward``: normalised embeddings for the contrastive objective of Eq. (4).

        Args:
            pixels: Normalised CLIP input of the degraded images (B, 3, S, S).
            text: Caption and degradation token ids side by side (B, 2 * context_length).

        Returns:
            ``dict(image_features, text_features, image_degra_features, text_degra_features,
            logit_scale)`` (``logit_scale`` = exp of the learnable one).
        """
        caption, degradation = text.chunk(2, dim=-1)
        image_features, image_degra_features = self.encode_image(pixels, control=True, normalize=True)
        return dict(image_features=image_features,
                    text_features=self.encode_text(caption, normalize=True),
                    image_degra_features=image_degra_features,
                    text_degra_features=self.encode_text(degradation, normalize=True),
                    logit_scale=self.logit_scale.exp())
