"""MPRNet: multi-stage progressive restoration, a baseline of CLIP-RPN Tables 3/4 and DDSA Table 1.

Zamir et al., "Multi-Stage Progressive Image Restoration" (CVPR 2021), Sec. 3 and Fig. 2,
the deraining configuration. Three stages on a multi-patch hierarchy:

1. the image cut into 2 x 2 quarters; each quarter's shallow features (conv + CAB) go
   through a 3-level encoder of channel-attention blocks (CAB, Fig. 3a); the features of
   the left and right quarters are joined side by side and decoded per half;
2. the two halves: shallow features fused (3x3 conv of the concatenation) with the
   stage-1 supervised attention module's features (SAM, Sec. 3.2, Fig. 4), an encoder
   that adds 1x1 convolutions of the stage-1 encoder and decoder features at every level
   (cross-stage feature fusion, CSFF, Sec. 3.3 and Fig. 3c), then a decoder;
3. the whole image: shallow features fused with the stage-2 SAM's, and the original
   resolution subnetwork (ORSNet: 3 blocks of 8 CABs at full resolution, each followed by
   CSFF of the stage-2 encoder/decoder features, upsampled), then a 3x3 conv to the image.

Each SAM predicts that stage's image (``conv(x) + input``); the output is stage 3's
``tail(x) + input``. Downsampling is bilinear x0.5 + 1x1 conv (channels + ``scale_unetfeats``),
upsampling bilinear x2 + 1x1 conv. One ``nn.PReLU`` (one parameter) is shared by every CAB,
as in the official code; ``state_dict`` lists it under each CAB, as the official one does.

Official equivalence: swz30/MPRNet at 43feb2a, ``Deraining/MPRNet.py``, class ``MPRNet``
with its defaults (n_feat 40, scale_unetfeats 20, scale_orsnetfeats 16, num_cab 8,
kernel 3, reduction 4, bias False). The official forward runs the stage-1 encoder on each
quarter and the decoders on each half one by one; here the quarters (halves) are stacked
along the batch and run at once, which computes the same thing. Checked against the
official class imported from its file, its weights (PReLU set to 0.1) put into this one
through the converter (``checkpoints/converters/mprnet.py``), on random 1x3x64x96 and
2x3x40x56 inputs: max |diff| over the three stage outputs 1.1e-6 in float32 (outputs of
magnitude ~1.5) and 0 in float64; on 1x3x37x53 against the official net fed as
``demo.py`` pads and crops, 9.5e-7 in float32. ``tests/checkpoints/test_mprnet_converter.py``
repeats the check on the official outputs stored in ``tests/fixtures/official_baselines``.
Parameters: 3,637,249 here and in the official class (the shared PReLU counted once).
MACs at 1x3x256x256: 140.98 G, all in convolutions, here and for the official class under
PyTorch's FLOP counter. CLIP-RPN Table 4's 548.65 G is thop 0.1.1's count of the official
class (measured in issue 13): thop hooks the one shared ``nn.PReLU`` in each of the 55 CABs
that hold it and so counts its elements many times over; the convolutions are 140.98 G.

Any H, W: the input is padded on the bottom/right to a multiple of 8 (two halvings of a
half-size patch) and every output cropped back, as the official ``demo.py`` does (reflect
padding; the official ``Deraining/test.py`` feeds whole images and needs the multiple).

Outputs: ``dict(pred=stage-3 image, stages=[stage-1, stage-2, stage-3 image])``. MPRNet is
trained (Eq. 1, ``Deraining/train.py``) with ``Σ_stages [Charbonnier + 0.05 · edge loss]``
against the clean image: ``MultiStageLoss`` over ``stages`` with ``CharbonnierLoss`` and
``EdgeLoss`` (``configs/_base_/models/mprnet.py``).
"""
import torch
from torch import nn

from derain_toolkit.models.layers.padding import crop_to, pad_to_multiple
from derain_toolkit.registry import BACKBONES

_PAD_MULTIPLE = 8


def _conv(in_channels: int, out_channels: int, kernel_size: int, bias: bool = False) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)


def _resample(in_channels: int, out_channels: int, scale: float) -> nn.Sequential:
    """Bilinear resizing by ``scale``, then a 1x1 convolution (no bias): the official Down/UpSample."""
    return nn.Sequential(nn.Upsample(scale_factor=scale, mode='bilinear', align_corners=False),
                         nn.Conv2d(in_channels, out_channels, 1, bias=False))


def _split(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Cut (B, ...) into two halves along ``dim`` and stack them along the batch: (2B, ...), first half first."""
    return torch.cat(x.chunk(2, dim=dim), dim=0)


def _join(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Inverse of :func:`_split`: (2B, ...) -> (B, ...) with the two halves side by side along ``dim``."""
    return torch.cat(x.chunk(2, dim=0), dim=dim)


class _ChannelAttention(nn.Module):
    """Squeeze-and-excitation: ``x * σ(conv1x1(ReLU(conv1x1(avgpool(x)))))`` (official ``CALayer``)."""

    global_context = True  # squeeze-and-excitation pools the whole feature (tiling, inference.py)

    def __init__(self, channels: int, reduction: int, bias: bool) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, channels // reduction, 1, bias=bias), nn.ReLU(inplace=True),
            nn.Conv2d(channels // reduction, channels, 1, bias=bias), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.body(x)


class _CAB(nn.Module):
    """Channel attention block (Fig. 3a): ``x + CA(conv(act(conv(x))))``."""

    def __init__(self, channels: int, kernel_size: int, reduction: int, bias: bool, act: nn.Module) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(channels, channels, kernel_size, bias), act,
                                  _conv(channels, channels, kernel_size, bias))
        self.attention = _ChannelAttention(channels, reduction, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attention(self.body(x)) + x


class _SAM(nn.Module):
    """Supervised attention module (Sec. 3.2, Fig. 4): the stage's image and attention-gated features."""

    def __init__(self, channels: int, image_channels: int, kernel_size: int, bias: bool) -> None:
        super().__init__()
        self.conv_feat = _conv(channels, channels, kernel_size, bias)
        self.conv_image = _conv(channels, image_channels, kernel_size, bias)
        self.conv_gate = _conv(image_channels, channels, kernel_size, bias)

    def forward(self, x: torch.Tensor, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        restored = self.conv_image(x) + image
        return self.conv_feat(x) * torch.sigmoid(self.conv_gate(restored)) + x, restored


class _Encoder(nn.Module):
    """Three levels of 2 CABs at ``channels + l * step`` channels; with ``csff`` each level adds
    1x1 convolutions of the previous stage's encoder and decoder features at that level (Fig. 3c)."""

    def __init__(self, channels: int, step: int, kernel_size: int, reduction: int, bias: bool, act: nn.Module,
                 csff: bool) -> None:
        super().__init__()
        widths = [channels + level * step for level in range(3)]
        self.levels = nn.ModuleList(
            nn.Sequential(*[_CAB(width, kernel_size, reduction, bias, act) for _ in range(2)]) for width in widths)
        self.downs = nn.ModuleList(_resample(width, width + step, 0.5) for width in widths[:-1])
        if csff:
            self.csff_enc = nn.ModuleList(nn.Conv2d(width, width, 1, bias=bias) for width in widths)
            self.csff_dec = nn.ModuleList(nn.Conv2d(width, width, 1, bias=bias) for width in widths)

    def forward(self, x: torch.Tensor, prev_enc: list[torch.Tensor] | None = None,
                prev_dec: list[torch.Tensor] | None = None) -> list[torch.Tensor]:
        """Features of the three levels, finest first; ``prev_*`` are the previous stage's (CSFF)."""
        feats = []
        for level, blocks in enumerate(self.levels):
            if level > 0:
                x = self.downs[level - 1](x)
            x = blocks(x)
            if prev_enc is not None:
                x = x + self.csff_enc[level](prev_enc[level]) + self.csff_dec[level](prev_dec[level])
            feats.append(x)
        return feats


class _Decoder(nn.Module):
    """The mirror of :class:`_Encoder`: upsample, add the skip feature through a CAB, 2 CABs per level."""

    def __init__(self, channels: int, step: int, kernel_size: int, reduction: int, bias: bool,
                 act: nn.Module) -> None:
        super().__init__()
        widths = [channels + level * step for level in range(3)]
        self.levels = nn.ModuleList(
            nn.Sequential(*[_CAB(width, kernel_size, reduction, bias, act) for _ in range(2)]) for width in widths)
        self.skip_attn = nn.ModuleList(_CAB(width, kernel_size, reduction, bias, act) for width in widths[:-1])
        self.ups = nn.ModuleList(_resample(width + step, width, 2) for width in widths[:-1])

    def forward(self, enc: list[torch.Tensor]) -> list[torch.Tensor]:
        """Decoder features of the three levels, finest first."""
        x = self.levels[2](enc[2])
        feats = [x]
        for level in (1, 0):
            x = self.levels[level](self.ups[level](x) + self.skip_attn[level](enc[level]))
            feats.insert(0, x)
        return feats


class _ORB(nn.Module):
    """Original-resolution block: ``x + conv(CAB^n(x))`` (the closing conv has no bias in the official code)."""

    def __init__(self, channels: int, kernel_size: int, reduction: int, bias: bool, act: nn.Module,
                 num_cab: int) -> None:
        super().__init__()
        self.body = nn.Sequential(*[_CAB(channels, kernel_size, reduction, bias, act) for _ in range(num_cab)],
                                  _conv(channels, channels, kernel_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + x


class _ORSNet(nn.Module):
    """Stage 3 (Sec. 3.1): 3 ORBs, each followed by CSFF of the stage-2 features brought to full resolution."""

    def __init__(self, channels: int, ors_step: int, unet_step: int, kernel_size: int, reduction: int, bias: bool,
                 act: nn.Module, num_cab: int) -> None:
        super().__init__()
        width = channels + ors_step
        self.orbs = nn.ModuleList(_ORB(width, kernel_size, reduction, bias, act, num_cab) for _ in range(3))

        def upsampler(level: int) -> nn.Sequential:
            """Level ``level`` (stride 2**level) to ``channels`` at stride 1: one x2 step per level."""
            return nn.Sequential(*[_resample(channels + (step + 1) * unet_step, channels + step * unet_step, 2)
                                   for step in range(level - 1, -1, -1)])

        self.up_enc = nn.ModuleList(upsampler(level) for level in range(3))
        self.up_dec = nn.ModuleList(upsampler(level) for level in range(3))
        self.csff_enc = nn.ModuleList(nn.Conv2d(channels, width, 1, bias=bias) for _ in range(3))
        self.csff_dec = nn.ModuleList(nn.Conv2d(channels, width, 1, bias=bias) for _ in range(3))

    def forward(self, x: torch.Tensor, enc: list[torch.Tensor], dec: list[torch.Tensor]) -> torch.Tensor:
        for level, orb in enumerate(self.orbs):
            x = orb(x)
            x = (x + self.csff_enc[level](self.up_enc[level](enc[level]))
                 + self.csff_dec[level](self.up_dec[level](dec[level])))
        return x


@BACKBONES.register_module()
class MPRNet(nn.Module):
    """Attributes: ``pad_multiple`` (8), the multiple inputs are padded to.

    Args:
        in_channels: Input image channels.
        out_channels: Output image channels (equal to ``in_channels``: every stage adds the input).
        n_feat: Channels of the shallow features and of the first U-Net level (40).
        scale_unetfeats: Channels added per U-Net level (20).
        scale_orsnetfeats: Channels added in ORSNet (16).
        num_cab: CABs per ORB (8).
        kernel_size: Convolution kernel size (3).
        reduction: Channel-attention reduction (4).
        bias: Biases in the convolutions (those the official code always builds without stay without).
    """

    @staticmethod
    def tiny_overrides(cfg: dict) -> dict:
        """The smoke budgets' variant (``configs/mprnet_tiny_synthetic.py``'s sizes): 8 channels (+4 per
        level, +4 in ORSNet), 1 CAB per ORB, reduction 2."""
        return dict(n_feat=8, scale_unetfeats=4, scale_orsnetfeats=4, num_cab=1, reduction=2)

    def __init__(self,
                 in_channels: int = 3,
                 out_channels: int = 3,
                 n_feat: int = 40,
                 scale_unetfeats: int = 20,
                 scale_orsnetfeats: int = 16,
                 num_cab: int = 8,
                 kernel_size: int = 3,
                 reduction: int = 4,
                 bias: bool = False) -> None:
        super().__init__()
        self.pad_multiple = _PAD_MULTIPLE
        if in_channels != out_channels:
            raise ValueError(f'MPRNet adds the input to every stage output: in_channels ({in_channels}) '
                             f'must equal out_channels ({out_channels})')
        act = nn.PReLU()  # one parameter shared by every CAB, as in the official code
        self.shallow_feats = nn.ModuleList(
            nn.Sequential(_conv(in_channels, n_feat, kernel_size, bias),
                          _CAB(n_feat, kernel_size, reduction, bias, act)) for _ in range(3))
        self.encoders = nn.ModuleList(
            _Encoder(n_feat, scale_unetfeats, kernel_size, reduction, bias, act, csff=stage > 0) for stage in range(2))
        self.decoders = nn.ModuleList(
            _Decoder(n_feat, scale_unetfeats, kernel_size, reduction, bias, act) for _ in range(2))
        self.sams = nn.ModuleList(_SAM(n_feat, in_channels, 1, bias) for _ in range(2))
        self.fuses = nn.ModuleList([_conv(2 * n_feat, n_feat, kernel_size, bias),
                                    _conv(2 * n_feat, n_feat + scale_orsnetfeats, kernel_size, bias)])
        self.orsnet = _ORSNet(n_feat, scale_orsnetfeats, scale_unetfeats, kernel_size, reduction, bias, act, num_cab)
        self.tail = _conv(n_feat + scale_orsnetfeats, out_channels, kernel_size, bias)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor | list[torch.Tensor]]:
        """Derain ``x`` (B, C, H, W) of any size: ``dict(pred=(B,C,H,W), stages=[stage 1, 2, 3])``."""
        padded, size = pad_to_multiple(x, self.pad_multiple)
        halves = _split(padded, dim=2)  # (2B, C, H/2, W): top halves, then bottom halves
        quarters = _split(halves, dim=3)  # (4B, C, H/2, W/2): left quarters, then right quarters

        # Stage 1: encode each quarter, join left and right, decode each half.
        enc1 = [_join(feat, dim=3) for feat in self.encoders[0](self.shallow_feats[0](quarters))]
        dec1 = self.decoders[0](enc1)  # finest (2B, n_feat, H/2, W)
        sam_feat, image1 = self.sams[0](dec1[0], halves)

        # Stage 2: encode each half with CSFF from stage 1, join top and bottom, decode the image.
        fused = self.fuses[0](torch.cat([self.shallow_feats[1](halves), sam_feat], dim=1))
        enc2 = [_join(feat, dim=2) for feat in self.encoders[1](fused, enc1, dec1)]
        dec2 = self.decoders[1](enc2)  # finest (B, n_feat, H, W)
        sam_feat, image2 = self.sams[1](dec2[0], padded)

        # Stage 3: full resolution.
        fused = self.fuses[1](torch.cat([self.shallow_feats[2](padded), sam_feat], dim=1))
        image3 = self.tail(self.orsnet(fused, enc2, dec2)) + padded

        stages = [crop_to(image, size) for image in (_join(image1, dim=2), image2, image3)]
        return dict(pred=stages[-1], stages=stages)
