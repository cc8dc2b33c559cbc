"""CLIP-RPN: a U-Net whose decoder is routed by CLIP to rain-pattern-specific MGCA sub-networks.

CLIP-RPN Sec. 3.1-3.3, Fig. 1, Eqs. (1)-(13). The shared U-Net (``backbone``, a
``RestormerUNet``) calls a neck before each upsampling step (levels deepest first,
``backbone.neck_channels``). Each sample is routed once (Eq. 2) by ``router``
(``CLIPRouter``; ``NoRouter`` for the "w/o RPN" rows of Table 10); at every level a rain
mask head (Eq. 3) predicts ``M̂`` from the input image brought to that level's
resolution, and the MGCA sub-network of the sample's route (Eqs. 7-13, one per route
and level) transforms the feature. Samples of a batch are grouped by route, each group
runs the shared backbone with its own branch's neck, and the results are put back in
batch order, so a sample never passes through another route's branch.

Without MGCA (``mgca=None``, the "w/o MGCA" rows) there are no masks and a branch holds
``plain_attention`` (a residual, pre-normalised ``ATTENTION`` part such as MDTA: the
routes keep their own parameters, so routing still matters) or, when that is ``None``
too, nothing: with ``NoRouter`` this is exactly the Restormer baseline.

Route cache (``route_cache``): a JSON file written by ``tools/clip_perception.py
--save-routes`` mapping sample keys to routes computed on the full image. CLIP is
frozen, so routing once is legitimate; what changes is that the route of a training
crop is the route of its full image instead of the crop's own, and CLIP does not run
during training. Samples whose key is not in the file (or calls without ``keys``) are
routed live.

Outputs: ``dict(pred=(B,3,H,W), masks=[(B,1,h_l,w_l) per level], mask_logits=[...],
pad_multiple=int, routes=(B,))``. ``masks`` are the probabilities ``M̂`` in (0, 1) (float32;
what MGCA, ``derain_toolkit.inference`` and ``tools/derain.py --compare`` read),
``mask_logits`` the same maps before σ (what ``RainMaskBCELoss`` reads, see
``rain_mask_head.py`` for why). Masks cover the padded image: the heads see the input
padded bottom/right to a multiple of ``pad_multiple`` exactly as the U-Net pads it, so
the mask cell ``(i, j)`` of a level of stride ``s`` and the feature it weights both cover
the pixels ``[i*s, (i+1)*s) x [j*s, (j+1)*s)``; the loss pads its target the same way.
"""
import copy
import json
import warnings
from collections.abc import Sequence
from typing import Optional, Union

import torch
from torch import nn

from derain_toolkit.models.layers.layer_norm import LayerNorm2d
from derain_toolkit.models.layers.padding import pad_to_multiple
from derain_toolkit.models.layers.rain_mask_head import RainMaskHead
from derain_toolkit.registry import ATTENTION, BACKBONES, ROUTERS


class _ResidualAttention(nn.Module):
    """``x + attn(LN(x))``: a branch of the "w/o MGCA" ablation (no mask)."""

    def __init__(self, dim: int, num_heads: int, attn: dict) -> None:
        super().__init__()
        self.norm = LayerNorm2d(dim)
        self.attn = ATTENTION.build(dict(copy.deepcopy(attn), dim=dim, num_heads=num_heads, bias=False))

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        return feat + self.attn(self.norm(feat))


def _load_route_cache(path: str, router: nn.Module) -> dict[str, int]:
    num_branches = router.num_branches
    with open(path) as file:
        content = json.load(file)
    routes = content.get('routes') if isinstance(content, dict) else None
    if not isinstance(routes, dict):
        raise ValueError(f'Route cache {path}: expected JSON with a "routes" object {{key: branch}}, as '
                         'written by tools/clip_perception.py --save-routes')
    prompts, expected = content.get('prompts'), getattr(router, 'prompts', None)
    if prompts and expected is not None and list(prompts) != list(expected):
        raise ValueError(f'Route cache {path} was computed with other prompts than this router\'s '
                         f'({prompts} vs {expected}); regenerate it with tools/clip_perception.py')
    bad = {k: v for k, v in routes.items() if not isinstance(v, int) or not 0 <= v < num_branches}
    if bad:
        raise ValueError(f'Route cache {path}: routes must be integers in [0, {num_branches}) for this '
                         f'router, found e.g. {dict(list(bad.items())[:3])}; regenerate it with the same prompts')
    return routes


@BACKBONES.register_module()
class CLIPRPN(nn.Module):
    """Args:
        backbone: ``BACKBONES`` config of the shared U-Net; it must accept
            ``forward(x, neck=...)`` and expose ``neck_channels`` and ``pad_multiple``.
        router: ``ROUTERS`` config (``CLIPRouter`` or ``NoRouter``).
        mgca: ``ATTENTION`` config of the MGCA sub-networks (``dim``, ``num_heads`` and
            ``bias`` are filled in per level), or ``None`` for the "w/o MGCA" rows.
        plain_attention: With ``mgca=None``, the ``ATTENTION`` config of each branch
            (residual, pre-normalised), or ``None`` for empty branches.
        mask_hidden_channels: Hidden width of the rain mask heads (Eq. 3).
        num_heads: Heads per neck level, deepest first (default: the backbone's
            ``heads`` reversed, i.e. the heads of the feature at each level).
        route_cache: Path of a per-image route cache, or ``None`` to route live.
    """

    uses_sample_keys = True  # the Derainer passes keys=[...] for the route cache

    @staticmethod
    def tiny_overrides(cfg: dict) -> dict:
        """The smoke budgets' variant: no route cache (it names files of the real data), mask heads of
        width 4 (its U-Net and router shrink as parts of their own)."""
        return dict(route_cache=None, mask_hidden_channels=4)

    def __init__(self,
                 backbone: dict,
                 router: dict,
                 mgca: Optional[dict] = None,
                 plain_attention: Optional[dict] = None,
                 mask_hidden_channels: int = 16,
                 num_heads: Optional[Sequence[int]] = None,
                 route_cache: Optional[str] = None) -> None:
        super().__init__()
        self.backbone = BACKBONES.build(copy.deepcopy(backbone))
        self.router = ROUTERS.build(copy.deepcopy(router))
        channels = list(self.backbone.neck_channels)
        if not isinstance(getattr(self.backbone, 'pad_multiple', None), int):
            raise ValueError(f'CLIPRPN: the backbone {type(self.backbone).__name__} must expose pad_multiple '
                             '(the multiple it pads inputs to) so the rain masks cover the padded features')
        if num_heads is None:
            if 'heads' not in backbone:
                raise ValueError("CLIPRPN: give num_heads (one per neck level) or 'heads' in the backbone config")
            num_heads = list(backbone['heads'])[::-1][:len(channels)]
        if len(num_heads) != len(channels):
            raise ValueError(f'CLIPRPN: num_heads needs one entry per neck level ({len(channels)}), got {num_heads}')
        self.num_branches = self.router.num_branches

        def branch(dim: int, heads: int) -> nn.Module:
            if mgca is not None:
                return ATTENTION.build(dict(copy.deepcopy(mgca), dim=dim, num_heads=heads, bias=False))
            if plain_attention is not None:
                return _ResidualAttention(dim, heads, plain_attention)
            return nn.Identity()

        self.branches = nn.ModuleList(
            nn.ModuleList(branch(dim, heads) for dim, heads in zip(channels, num_heads))
            for _ in range(self.num_branches))
        self.mask_heads = nn.ModuleList(
            RainMaskHead(3, mask_hidden_channels) for _ in channels) if mgca is not None else None
        self.route_cache = _load_route_cache(route_cache, self.router) if route_cache else None

    def routes(self, x: torch.Tensor, keys: Optional[Sequence[str]] = None) -> torch.Tensor:
        """Branch of each sample (B,): from the route cache where it has the key, else the router."""
        if self.route_cache is None:
            return self.router(x)
        if keys is None:
            warnings.warn('CLIPRPN: a route cache is configured but no sample keys were passed; routing live')
            return self.router(x)
        cached = [self.route_cache.get(key) for key in keys]
        missing = [i for i, route in enumerate(cached) if route is None]
        routes = torch.tensor([route if route is not None else -1 for route in cached], device=x.device)
        if missing:
            routes[missing] = self.router(x[missing]).to(routes.device)
        return routes

    def _run_branch(self, x: torch.Tensor, route: Union[int, torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The shared backbone with route ``route``'s neck; returns the prediction and the mask logits.

        ``route`` is an int, or a 0-dim LongTensor for :meth:`forward_one_graph`: then every
        route's branch runs at each level and the route's output is selected by indexing.
        """
        logits: list[torch.Tensor] = []
        padded = pad_to_multiple(x, self.backbone.pad_multiple)[0] if self.mask_heads is not None else x

        def neck(level: int, feat: torch.Tensor) -> torch.Tensor:
            mask = ()
            if self.mask_heads is not None:
                level_logits = self.mask_heads[level](padded, feat.shape[-2:])  # (b, 1, h, w)
                logits.append(level_logits)
                mask = (RainMaskHead.probability(level_logits), )
            if isinstance(route, int):
                return self.branches[route][level](feat, *mask)
            every = torch.stack([branches[level](feat, *mask) for branches in self.branches])  # (routes, b, c, h, w)
            return every[route]

        return self.backbone(x, neck=neck), logits

    def forward_one_graph(self, x: torch.Tensor, router_pixels: Optional[torch.Tensor] = None) -> dict:
        """One traceable forward serving every route, for ONNX export (a batch of one image).

        The route is chosen inside the graph: ``argmax`` of the router's Eq. (2) on
        ``router_pixels`` (the router's prepared CLIP input, :func:`clip_image_input`; the
        router's own input for routers without one, such as ``NoRouter``). At each level
        every route's branch runs on the shared feature and the route's output is kept, so the
        prediction equals :meth:`forward`'s; the extra cost is the other routes' branches.
        No route cache.

        Returns:
            ``dict(pred=(1, 3, H, W), masks=[(1, 1, h_l, w_l) per level], routes=(1,))``.
        """
        routes = (self.router.pixel_probabilities(router_pixels).argmax(dim=-1) if router_pixels is not None
                  else self.router(x))  # (1,)
        pred, logits = self._run_branch(x, routes[0])
        return dict(pred=pred, masks=[RainMaskHead.probability(level) for level in logits], routes=routes)

    def run_every_route(self, x: torch.Tensor, with_router: bool = True) -> None:
        """Run the router once (``with_router``), then every branch on the whole batch: the
        "all routes" MAC convention of :func:`derain_toolkit.utils.complexity.every_route`."""
        if with_router:
            self.router(x)
        for route in range(self.num_branches):
            self._run_branch(x, route)

    def forward(self, x: torch.Tensor, keys: Optional[Sequence[str]] = None) -> dict:
        """Args:
            x: Rainy images (B, 3, H, W) in [0, 1].
            keys: Sample keys, used only with a route cache.
        """
        routes = self.routes(x, keys)
        order, preds, logits = [], [], []
        for route in routes.unique().tolist():
            index = (routes == route).nonzero().squeeze(1)
            pred, group_logits = self._run_branch(x[index], route)
            order.append(index)
            preds.append(pred)
            logits.append(group_logits)
        inverse = torch.cat(order).argsort()  # batch position -> position in the grouped order
        mask_logits = [torch.cat(level)[inverse] for level in zip(*logits)]
        return dict(
            pred=torch.cat(preds)[inverse],
            masks=[RainMaskHead.probability(level) for level in mask_logits],
            mask_logits=mask_logits,
            pad_multiple=self.backbone.pad_multiple,
            routes=routes)
