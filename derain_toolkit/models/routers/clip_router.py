"""CLIP-driven rain perception: route each image to the prompt CLIP finds most similar.

CLIP-RPN Sec. 3.2, Eqs. (1)-(2). A frozen open_clip model (ViT-B/32 in the paper)
embeds the prompts once (cached in a buffer) and each input image; the softmax over
the prompts of CLIP's scaled cosine similarity ``exp(logit_scale) * Î·T̂ᵀ`` gives
``s_i`` (Eq. 2) and the route is ``argmax_i s_i``. The paper's Eq. (2) writes a plain
dot product; CLIP's own logit scale is used here, which only sharpens the softmax and
leaves the argmax (the route) unchanged.

Images arrive as the (B, 3, H, W) tensor in [0, 1] the network already has; they are
resized (shortest side to CLIP's input size, bicubic with anti-aliasing, centre crop,
as CLIP's own preprocessing does) and normalised with CLIP's mean/std inside the module.
"""
from collections.abc import Sequence
from typing import Optional, Union

import open_clip
import torch
from open_clip.pretrained import get_pretrained_cfg
from torch import nn

from derain_toolkit.models.layers.open_clip_loader import (
    build_open_clip,
    clip_image_input,
    clip_weights_problem,
)
from derain_toolkit.models.routers.prompts import resolve_prompts
from derain_toolkit.registry import ROUTERS

_CFG_KEY = 'model.backbone.router.pretrained'


@ROUTERS.register_module()
class CLIPRouter(nn.Module):
    """Frozen open_clip model that routes each image to its most similar prompt.

    Args:
        model_name: open_clip architecture (``'ViT-B-32'``, the paper's choice).
        pretrained: open_clip tag (``'openai'``, downloaded where a network exists), a
            local checkpoint path, or ``None`` for random weights (needs
            ``allow_random_init=True``; tests and tiny configs only: routes are then
            arbitrary but deterministic).
        prompts: A prompt-set name of :data:`PROMPT_SETS` (``'set3'``, the paper's default)
            or a list of prompts; ``num_branches == len(prompts)``.
        allow_random_init: Permit ``pretrained=None`` (a warning is still issued).
        model_cfg: A full open_clip model config (``embed_dim``, ``vision_cfg``,
            ``text_cfg``) built instead of ``model_name``'s, or ``'tiny'``: the toolkit's tiny
            random CLIP for tests (``model_name`` is then only a label).
        quick_gelu: QuickGELU activations; OpenAI's weights were trained with them,
            so the default ``None`` takes it from the tag (``True`` for ``'openai'``) and
            uses ``True`` for a local file of ``ViT-B-32`` (OpenAI's file); set ``False``
            for a local LAION/DataComp checkpoint.

    Raises:
        RuntimeError: at build time when the weights can neither be found nor downloaded.
    """

    global_context = True  # the route is chosen from the whole image (tiling, inference.py)

    def __init__(self,
                 model_name: str = 'ViT-B-32',
                 pretrained: Optional[str] = 'openai',
                 prompts: Union[str, Sequence[str]] = 'set3',
                 allow_random_init: bool = False,
                 model_cfg: Optional[Union[dict, str]] = None,
                 quick_gelu: Optional[bool] = None) -> None:
        super().__init__()
        self.prompts = resolve_prompts(prompts)
        self.num_branches = len(self.prompts)
        if quick_gelu is None:
            tag_cfg = get_pretrained_cfg(model_name, pretrained) if pretrained else {}
            quick_gelu = tag_cfg.get('quick_gelu', False) if tag_cfg else (
                pretrained is not None and model_name == 'ViT-B-32')
        if quick_gelu and model_cfg is None and f'{model_name}-quickgelu' in open_clip.list_models():
            model_name = f'{model_name}-quickgelu'  # same architecture and weights, QuickGELU activations
        self.clip, tokenizer, mean, std, image_size = build_open_clip(
            model_name, pretrained, allow_random_init=allow_random_init, model_cfg=model_cfg, cfg_key=_CFG_KEY)
        self.clip.requires_grad_(False)
        self.image_size = (image_size, image_size)
        self.register_buffer('mean', torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer('std', torch.tensor(std).view(1, 3, 1, 1), persistent=False)
        with torch.no_grad():
            text = self.clip.encode_text(tokenizer(self.prompts), normalize=True)  # (n, D)
        self.register_buffer('text_features', text, persistent=False)

    @staticmethod
    def tiny_overrides(cfg: dict) -> dict:
        """The smoke budgets' variant: the tiny random CLIP (routes arbitrary but fixed; prompts kept)."""
        return dict(pretrained=None, allow_random_init=True, model_cfg='tiny')

    @staticmethod
    def random_init_overrides(cfg: dict) -> dict:
        """Same size, random weights: for counting parameters and MACs without the download."""
        return dict(pretrained=None, allow_random_init=True)

    @staticmethod
    def preflight(cfg: dict) -> list[str]:
        """Problems building ``cfg`` would meet, found without building it (missing weights)."""
        if cfg.get('model_cfg') is not None:
            return []
        problem = clip_weights_problem(cfg.get('model_name', 'ViT-B-32'), cfg.get('pretrained', 'openai'), _CFG_KEY)
        return [problem] if problem else []

    def train(self, mode: bool = True) -> 'CLIPRouter':
        """Keep CLIP in eval mode whatever the Runner asks (it is frozen)."""
        super().train(mode)
        self.clip.eval()
        return self

    def _clip_pixels(self, x: torch.Tensor) -> torch.Tensor:
        """[0, 1] images (B, 3, H, W) -> CLIP input (B, 3, S, S), resized, cropped, normalised."""
        return clip_image_input(x, self.image_size[0], self.mean, self.std)

    @torch.no_grad()
    def pixel_probabilities(self, pixels: torch.Tensor) -> torch.Tensor:
        """Eq. (2) of prepared CLIP input (B, 3, h, w) (see :func:`clip_image_input`), (B, num_branches)."""
        image = self.clip.encode_image(pixels, normalize=True)  # (B, D)
        logits = self.clip.logit_scale.exp() * image.float() @ self.text_features.float().t()
        return logits.softmax(dim=-1)

    @torch.no_grad()
    def probabilities(self, x: torch.Tensor) -> torch.Tensor:
        """Eq. (2): softmax over prompts of the scaled image-text similarity, (B, num_branches)."""
        return self.pixel_probabilities(self._clip_pixels(x))

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Route of each sample, a LongTensor (B,): ``argmax`` of :meth:`probabilities`."""
        return self.probabilities(x).argmax(dim=-1)
