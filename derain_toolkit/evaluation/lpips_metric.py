"""LPIPS (Zhang et al., CVPR 2018), the perceptual column of the DA-CLIP paper's Table I.

Uses the ``lpips`` package (its linear calibration layers ship with it; the AlexNet/VGG
backbone weights come from torchvision's download cache). Neither is installed or
downloadable on an offline machine, so building the metric checks both and fails with
what to install and where to put the weights.
"""
import os
from collections.abc import Sequence
from typing import Optional

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from derain_toolkit.registry import METRICS

_BACKBONE_FILES = {'alex': 'alexnet-owt-7be5be79.pth', 'vgg': 'vgg16-397923af.pth'}


def _build_lpips(net: str):
    try:
        import lpips
    except ImportError as error:
        raise ImportError('LPIPSMetric needs the `lpips` package, which is not installed. Fix: '
                          '`pip install lpips` (it ships the LPIPS linear weights), or remove LPIPSMetric '
                          'from the evaluator.') from error
    hub_dir = os.path.join(torch.hub.get_dir(), 'checkpoints')
    backbone = os.path.join(hub_dir, _BACKBONE_FILES[net])
    if not os.path.isfile(backbone):
        raise FileNotFoundError(f'LPIPSMetric(net={net!r}) needs the torchvision {net} weights at {backbone} '
                                f'(not found, and this machine may be offline). Fix: download '
                                f'{_BACKBONE_FILES[net]} from https://download.pytorch.org/models/ elsewhere and '
                                f'copy it there (or set TORCH_HOME), or remove LPIPSMetric from the evaluator.')
    return lpips.LPIPS(net=net, verbose=False).eval()


@METRICS.register_module()
class LPIPSMetric(BaseMetric):
    """Mean LPIPS distance (lower is better) of ``pred`` against ``gt``; reported as ``'LPIPS'``.

    Args:
        net: LPIPS backbone, ``'alex'`` (the usual choice, and the paper's) or ``'vgg'``.
        device: Device of the LPIPS network (default: that of the predictions).
        collect_device: mmengine's device for gathering results across ranks.
        prefix: Prefix of the metric name (``'{prefix}/LPIPS'``).
    """

    #: Declared for the core: the AlexNet/VGG weights are downloaded, so offline (synthetic) budgets leave it out.
    needs_downloaded_weights = True

    def __init__(self, net: str = 'alex', device: Optional[str] = None, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if net not in _BACKBONE_FILES:
            raise ValueError(f'LPIPSMetric: net must be one of {sorted(_BACKBONE_FILES)}, got {net!r}')
        self.device = device
        self.model = _build_lpips(net)

    @torch.no_grad()
    def process(self, data_batch: object, data_samples: Sequence[dict]) -> None:
        """Score every ``predict`` output; images are mapped from [0, 1] to LPIPS's [-1, 1]."""
        for sample in data_samples:
            if sample.get('gt') is None:
                raise ValueError(f"LPIPSMetric needs the ground truth 'gt'; sample '{sample.get('key')}' has none")
            device = self.device or sample['pred'].device
            self.model.to(device)
            pred = sample['pred'][None].to(device).float() * 2 - 1  # (1, 3, H, W)
            gt = sample['gt'][None].to(device).float() * 2 - 1
            self.results.append(float(self.model(pred, gt).mean()))

    def compute_metrics(self, results: list) -> dict:
        return {'LPIPS': float(np.mean(results))}
