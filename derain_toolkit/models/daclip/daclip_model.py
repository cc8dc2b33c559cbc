"""Degradation-aware CLIP (DA-CLIP paper Sec. III, Figs. 2-3).

A frozen open_clip model plus a trainable :class:`DAClipController`. ``encode_image``
returns the content embedding (the frozen encoder under the controller's controls, meant
to match the clean caption) and the degradation embedding (the controller's output, meant
to match the degradation-type text). The learnable temperature of Eq. (3) starts from
CLIP's ``logit_scale`` and trains with the controller.

Images enter in [0, 1] at any size; :meth:`DACLIP.preprocess` resizes them to the CLIP
input size (bicubic, antialiased, whole image without cropping: the rain streaks near the
borders stay visible to the controller) and normalises them with the CLIP mean and std.
"""
import os
import warnings
from collections.abc import Sequence
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from derain_toolkit.models.daclip.controller import DAClipController
from derain_toolkit.models.layers.open_clip_loader import (
    build_open_clip,
    clip_weights_problem,
)
from derain_toolkit.registry import MODELS

_CFG_KEY = 'model.generator.daclip.pretrained'

#: Degradation texts of the official DA-CLIP training set (universal image restoration).
DEGRADATION_TYPES = ('motion-blurry', 'hazy', 'jpeg-compressed', 'low-light', 'noisy', 'raindrop', 'rainy',
                     'shadowed', 'snowy', 'uncompleted')


@MODELS.register_module()
class DACLIP(nn.Module):
    """Args:
        clip_model: open_clip architecture (``'ViT-B-32'`` in DA-CLIP).
        pretrained: open_clip tag (``'openai'``) or a local checkpoint path of the CLIP
            weights; ``None`` needs ``allow_random_init=True`` (tiny tests only).
        allow_random_init: Accept a randomly initialised CLIP.
        model_cfg: A custom open_clip model config (tiny models for tests).
        controller_checkpoint: A file written by ``tools/train_daclip.py`` (controller and
            temperature weights). Without one, the controller is its zero-initialised
            start: the content embedding is plain CLIP's and a warning says so.
        warn_untrained: Warn when no ``controller_checkpoint`` is given.
    """

    def __init__(self,
                 clip_model: str = 'ViT-B-32',
                 pretrained: Optional[str] = 'openai',
                 allow_random_init: bool = False,
                 model_cfg: Optional[dict] = None,
                 controller_checkpoint: Optional[str] = None,
                 warn_untrained: bool = True) -> None:
        super().__init__()
        clip, self.tokenizer, mean, std, self.image_size = build_open_clip(
            clip_model, pretrained, allow_random_init=allow_random_init, model_cfg=model_cfg, cfg_key=_CFG_KEY)
        clip.requires_grad_(False)
        self.clip = clip
        self.controller = DAClipController(clip.visual)
        self.logit_scale = nn.Parameter(clip.logit_scale.detach().clone())
        self.register_buffer('image_mean', torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer('image_std', torch.tensor(std).view(1, 3, 1, 1), persistent=False)
        self.embed_dim = clip.text_projection.shape[-1] if clip.text_projection is not None else None
        if controller_checkpoint is not None:
            self.load_controller(controller_checkpoint)
        elif warn_untrained:
            warnings.warn('DACLIP: no controller_checkpoint given; the controller is at its zero-initialised start, '
                          'so the content embedding equals plain CLIP\'s. Train one with tools/train_daclip.py.')

    @staticmethod
    def preflight(cfg: dict) -> list[str]:
        """Problems building ``cfg`` would meet, found without building it (missing weights)."""
        if cfg.get('model_cfg') is not None:
            return []
        problem = clip_weights_problem(cfg.get('clip_model', 'ViT-B-32'), cfg.get('pretrained', 'openai'), _CFG_KEY)
        return [problem] if problem else []

    def train(self, mode: bool = True) -> 'DACLIP':
        """Switch the controller's mode; the frozen CLIP model always stays in eval mode."""
        super().train(mode)
        self.clip.eval()
        return self

    def controller_state_dict(self) -> dict[str, torch.Tensor]:
        """The trainable weights (controller and temperature), what a controller checkpoint holds."""
        state = {f'controller.{k}': v for k, v in self.controller.state_dict().items()}
        state['logit_scale'] = self.logit_scale.detach()
        return state

    def load_controller(self, path: str) -> None:
        """Load a checkpoint written by ``tools/train_daclip.py``."""
        if not os.path.isfile(path):
            raise FileNotFoundError(f'DACLIP: controller_checkpoint {path!r} is not a file; train one with '
                                    'tools/train_daclip.py or leave controller_checkpoint=None')
        state = torch.load(path, map_location='cpu', weights_only=True)
        state = state.get('state_dict', state)
        missing, unexpected = self.load_state_dict(state, strict=False)
        expected = set(self.controller_state_dict())
        if expected & set(missing) or unexpected:
            raise RuntimeError(f'DACLIP: {path!r} does not match this controller (missing '
                               f'{sorted(expected & set(missing))[:5]}, unexpected {sorted(unexpected)[:5]}); was it '
                               'trained for the same clip_model / model_cfg?')

    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [0, 1] → normalised (B, 3, S, S) CLIP input."""
        if images.shape[-2:] != (self.image_size, self.image_size):
            images = F.interpolate(images, size=(self.image_size, self.image_size), mode='bicubic',
                                   align_corners=False, antialias=True).clamp(0, 1)
        return (images - self.image_mean) / self.image_std

    def encode_image(self, images: torch.Tensor, control: bool = True,
                     normalize: bool = False) -> tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Args:
            images: (B, 3, H, W) in [0, 1].
            control: Use the controller; ``False`` gives plain CLIP features and no
                degradation embedding.
            normalize: L2-normalise the embeddings.

        Returns:
            ``(content, degradation)``, each (B, embed_dim); ``degradation`` is None
            without control.
        """
        pixels = self.preprocess(images)
        if control:
            degradation, controls = self.controller(pixels)
            content = DAClipController.controlled_forward(self.clip.visual, pixels, controls)
        else:
            content, degradation = self.clip.encode_image(pixels), None
        if normalize:
            content = F.normalize(content, dim=-1)
            degradation = None if degradation is None else F.normalize(degradation, dim=-1)
        return content, degradation

    def tokenize(self, texts: Sequence[str]) -> torch.Tensor:
        """Token ids (N, context_length) on the model's device."""
        return self.tokenizer(list(texts)).to(self.logit_scale.device)

    def encode_text(self, texts: Sequence[str], normalize: bool = False) -> torch.Tensor:
        """Frozen CLIP text embeddings (N, embed_dim) of ``texts``."""
        return self.clip.encode_text(self.tokenize(texts), normalize=normalize)

    def forward(self, images: torch.Tensor, captions: Sequence[str],
                degradations: Sequence[str]) -> dict[str, torch.Tensor]:
        """Normalised embeddings for the contrastive objective of Eq. (4).

        Args:
            images: Degraded images (B, 3, H, W) in [0, 1].
            captions: Clean captions, one per image.
            degradations: Degradation-type texts, one per image (e.g. ``'rainy'``).
        """
        content, degradation = self.encode_image(images, control=True, normalize=True)
        with torch.no_grad():
            text_content = self.encode_text(captions, normalize=True)
            text_degradation = self.encode_text(degradations, normalize=True)
        return dict(image_content=content, text_content=text_content, image_degradation=degradation,
                    text_degradation=text_degradation, logit_scale=self.logit_scale.exp())
