"""The model every config builds: a data preprocessor, a network, a generator and losses.

An mmengine ``BaseModel``: the Runner calls ``train_step``/``val_step``, which run the
data preprocessor and then :meth:`Derainer.forward` in ``'loss'`` or ``'predict'`` mode.
The generator decides how the network is used (one call for ``DirectGenerator``, a
reverse SDE for ``IRSDEGenerator``); the losses read the generator's outputs.
"""
import copy
from typing import Any, Optional, Union

import torch
from mmengine.model import BaseModel
from torch import nn

from derain_toolkit.models.layers.recomputable import enable_activation_checkpointing
from derain_toolkit.registry import BACKBONES, GENERATORS, LOSSES, MODELS, TEST_TIME


@MODELS.register_module()
class Derainer(BaseModel):
    """Args:
        backbone: ``BACKBONES`` config of the network.
        generator: ``GENERATORS`` config (default ``DirectGenerator``).
        losses: ``LOSSES`` configs; each has a ``loss_weight``. Their weighted values are
            summed by mmengine (every ``loss_*`` entry).
        data_preprocessor: Config of the data preprocessor.
        test_time: ``TEST_TIME`` config of a test-time procedure (e.g. FADformer's
            ``CornerCropMerge``), or None for one generator call per image. It wraps every
            prediction (``'predict'`` and ``'tensor'`` modes, hence validation, ``tools/test.py``,
            the table runner and ``tools/derain.py``), never training.
        init_cfg: mmengine initialisation config.
        activation_checkpointing: Recompute the activations of every recomputable block
            (transformer blocks, U-Net residual blocks; ``models/layers/recomputable.py``) in
            the backward pass instead of keeping them: less memory, one more forward per block.
    """

    def __init__(self,
                 backbone: dict,
                 generator: Optional[dict] = None,
                 losses: Optional[list[dict]] = None,
                 data_preprocessor: Optional[dict] = None,
                 test_time: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 activation_checkpointing: bool = False) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor or dict(type='DerainDataPreprocessor'), init_cfg=init_cfg)
        self.backbone = BACKBONES.build(copy.deepcopy(backbone))
        self.generator = GENERATORS.build(copy.deepcopy(generator or dict(type='DirectGenerator')))
        loss_cfgs = losses if losses is not None else [dict(type='L1Loss')]
        if not loss_cfgs:
            raise ValueError('Derainer: losses is empty; give at least one, e.g. [dict(type="L1Loss")]')
        self.losses = nn.ModuleList(LOSSES.build(copy.deepcopy(cfg)) for cfg in loss_cfgs)
        self.test_time = None if test_time is None else TEST_TIME.build(copy.deepcopy(test_time))
        if activation_checkpointing and not enable_activation_checkpointing(self):
            raise ValueError(f'Derainer(activation_checkpointing=True): {type(self.backbone).__name__} has no '
                             'recomputable blocks (parts deriving from models/layers/recomputable.py Recomputable); '
                             'set model.activation_checkpointing=False')

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[dict[str, Any]] = None,
                mode: str = 'tensor') -> Union[dict[str, torch.Tensor], list[dict[str, Any]], torch.Tensor]:
        """Args:
            inputs: Rainy images (B, 3, H, W) in [0, 1].
            data_samples: ``dict(gt=(B,3,H,W) or None, meta=[dict, ...])`` from the data preprocessor.
            mode: ``'loss'`` (dict of weighted losses), ``'predict'`` (one dict per sample)
                or ``'tensor'`` (the prediction batch).
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.restore(inputs)['pred']
        raise ValueError(f"Derainer: mode must be 'loss', 'predict' or 'tensor', got {mode!r}")

    def _network_kwargs(self, data_samples: Optional[dict[str, Any]]) -> dict[str, Any]:
        """``keys=[sample keys]`` for networks that declare ``uses_sample_keys`` (CLIP-RPN's route cache)."""
        if not getattr(self.backbone, 'uses_sample_keys', False) or not data_samples:
            return {}
        return {'keys': [meta.get('key') for meta in data_samples.get('meta') or []] or None}

    def restore(self, inputs: torch.Tensor, **network_kwargs: Any) -> dict[str, Any]:
        """Every output of inference on ``inputs`` (B, 3, H, W): ``pred`` and what the network adds
        (CLIP-RPN: ``masks``, ``routes``), the generator's sampling of the backbone, through
        ``test_time`` when set.

        A test-time procedure sees only ``pred`` (clamped to [0, 1]) of each call and returns
        the merged ``pred``; the generator's auxiliary outputs are then left out.
        """
        if self.test_time is None:
            return self.generator.sample(self.backbone, inputs, **network_kwargs)

        def predict(x: torch.Tensor) -> torch.Tensor:
            return self.generator.sample(self.backbone, x, **network_kwargs)['pred']

        return {'pred': self.test_time(predict, inputs)}

    def loss(self, inputs: torch.Tensor, data_samples: Optional[dict[str, Any]]) -> dict[str, torch.Tensor]:
        """Weighted loss terms, named ``loss_<name>`` (``loss_<name>_<i>`` when a name repeats)."""
        gt = None if data_samples is None else data_samples.get('gt')
        if gt is None:
            raise ValueError('Derainer: training needs clean targets (data_samples["gt"]); '
                             'the dataset returned none')
        outputs = self.generator.forward_train(self.backbone, inputs, gt, **self._network_kwargs(data_samples))
        outputs.update(inputs=inputs, gt=gt)
        names = [loss.name for loss in self.losses]
        terms = {}
        for i, loss in enumerate(self.losses):
            missing = [key for key in loss.input_keys if key not in outputs]
            if missing:
                raise KeyError(f'{type(loss).__name__} needs outputs {missing}, which '
                               f'{type(self.backbone).__name__} with {type(self.generator).__name__} '
                               f'does not produce (it produces {sorted(outputs)})')
            key = f'loss_{loss.name}' if names.count(loss.name) == 1 else f'loss_{loss.name}_{i}'
            terms[key] = loss.loss_weight * loss(*[outputs[k] for k in loss.input_keys])
        return terms

    def predict(self, inputs: torch.Tensor, data_samples: Optional[dict[str, Any]]) -> list[dict[str, Any]]:
        """One dict per sample: ``pred``, ``inputs``, ``gt`` (or None), metadata, and per-sample
        auxiliary outputs of the generator (tensors with a batch dimension, e.g. masks)."""
        outputs = self.restore(inputs, **self._network_kwargs(data_samples))
        batch = inputs.shape[0]
        gt = None if data_samples is None else data_samples.get('gt')
        meta = (data_samples or {}).get('meta') or [{} for _ in range(batch)]
        results = []
        for i in range(batch):
            result = dict(meta[i])
            for key, value in outputs.items():
                if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape[0] == batch:
                    result[key] = value[i]
                elif isinstance(value, (list, tuple)) and value and all(
                        isinstance(v, torch.Tensor) and v.shape[0] == batch for v in value):
                    result[key] = [v[i] for v in value]
            result.update(inputs=inputs[i], gt=None if gt is None else gt[i])
            results.append(result)
        return results
