"""CLIP rain perception: the share of a dataset's images CLIP routes to each prompt.

CLIP-RPN Tables 1, 2, 7, 8 and 9 (dataset rows x prompt columns, in percent of the
dataset's images; each row sums to 100). Images are routed whole (no crop, no flip) by
CLIP-RPN's router (Eq. 2). The paper's counts match the training splits (Table 2:
Rain100H 37.94 / 5.94 / 56.11 % are 683 / 107 / 1010 of its 1800 training pairs; Mixed
is the union of the three training sets, 2700 images), so ``split`` defaults to
``'train'``.

Used by ``tools/clip_perception.py`` (any datasets and prompts) and by the
``kind = 'perception'`` table specs (``tools/reproduce.py clip_rpn_table1`` ...),
whose rows are dataset configs and whose columns are the prompts ``P1`` ... ``Pn``.
"""
import copy
import os.path as osp
from typing import Any, Optional, Union

import torch
from mmengine.config import Config
from tqdm import tqdm

from derain_toolkit.engine.runner_utils import preflight
from derain_toolkit.registry import DATASETS, ROUTERS
from derain_toolkit.reproduce.budgets import Budget, shrink_part, synthetic_loader, synthetic_test_seed
from derain_toolkit.reproduce.table_spec import Row, Run, TableSpec

#: The paper's router: CLIP ViT-B/32 with OpenAI's weights (CLIP-RPN Sec. 3.1).
PAPER_ROUTER = dict(type='CLIPRouter', model_name='ViT-B-32', pretrained='openai')
_WHOLE_IMAGE = [dict(type='PairedToTensor')]


def whole_images(dataset_cfg: Any) -> Any:
    """``dataset_cfg`` with every ``pipeline`` (nested datasets too) replaced by tensor conversion only."""
    if isinstance(dataset_cfg, dict):
        return {key: (copy.deepcopy(_WHOLE_IMAGE) if key == 'pipeline' else whole_images(value))
                for key, value in dataset_cfg.items()}
    if isinstance(dataset_cfg, (list, tuple)):
        return [whole_images(value) for value in dataset_cfg]
    return dataset_cfg


def dataset_name(dataset_cfg: dict, path: str) -> str:
    """The row name of a dataset config: ``'Mixed'`` for a mixture, else its ``name`` or file name."""
    if dataset_cfg.get('type') == 'MixedRainDataset':
        return 'Mixed'
    return dataset_cfg.get('name') or osp.splitext(osp.basename(path))[0]


def router_config(router: Optional[dict] = None, prompts: Union[str, list, None] = None,
                  pretrained: Optional[str] = None) -> dict:
    """A ``CLIPRouter`` config: ``router`` (default :data:`PAPER_ROUTER`) with ``prompts``/``pretrained`` set."""
    cfg = copy.deepcopy(dict(router or PAPER_ROUTER))
    if prompts is not None:
        cfg['prompts'] = prompts
    if pretrained is not None:
        cfg['pretrained'] = pretrained
    return cfg


def route_dataset(router: torch.nn.Module, dataset: Any, device: torch.device, desc: str,
                  progress: bool = True) -> dict[str, int]:
    """Route of every image of ``dataset``, keyed by its sample key."""
    routes = {}
    for index in tqdm(range(len(dataset)), desc=desc, unit='img', disable=not progress):
        item = dataset[index]
        route = router(item['inputs'].unsqueeze(0).to(device))
        routes[str(item['data_samples'].get('key', index))] = int(route.item())
    return routes


def route_shares(routes: dict[str, int], num_prompts: int) -> list[float]:
    """Percent of the routed images on each prompt."""
    counts = torch.bincount(torch.tensor(list(routes.values()), dtype=torch.long), minlength=num_prompts)
    return (100.0 * counts.double() / max(1, len(routes))).tolist()


def measure_perception(spec: TableSpec, row: Row, run: Run, budget: Budget) -> dict:
    """Route shares of the row's dataset, keyed ``'<dataset>/P<i>'`` (one column per prompt).

    Spec options: ``router`` (a ``CLIPRouter`` config; its ``prompts`` name the table's
    own prompts in :mod:`derain_toolkit.models.routers.prompts`) and ``split``. Budgets
    with synthetic data route ``num_test`` synthetic images standing in for the row's
    dataset (rain patterns by its label); ``shrink_model`` swaps CLIP for the tiny random
    one. Under ``paper``, missing data or CLIP weights are all reported before anything runs.
    """
    router_cfg = router_config(spec.options.get('router'))
    split = spec.options.get('split', 'train')
    if budget.shrink_model:
        shrink_part(router_cfg)
    if budget.synthetic:
        dataset_cfg = synthetic_loader(row.label, budget, seed=synthetic_test_seed(row.label), train=False)['dataset']
    else:
        loader = Config.fromfile(run.config).get(f'{split}_dataloader')
        if not loader:
            raise KeyError(f'{run.config} has no {split}_dataloader; set split in {spec.path}')
        dataset_cfg = whole_images(loader['dataset'].to_dict())
    preflight(Config({f'{split}_dataloader': dict(dataset=dataset_cfg), 'model': router_cfg}), (split,))
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    router = ROUTERS.build(router_cfg).to(device).eval()
    if router.num_branches != len(spec.metrics):
        raise ValueError(f'{spec.path}: {len(spec.metrics)} prompt columns {list(spec.metrics)} but the router '
                         f'has {router.num_branches} prompts; list one metric per prompt')
    routes = route_dataset(router, DATASETS.build(dataset_cfg), device, row.label, progress=False)
    shares = route_shares(routes, router.num_branches)
    return {f'{dataset}/{metric}': share for dataset in run.datasets for metric, share in zip(spec.metrics, shares)}
