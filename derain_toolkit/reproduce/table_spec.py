"""Paper-table specifications (``configs/tables/*.py``): load and check them.

A spec is a plain mmengine config file::

    paper = 'CLIP-RPN'
    table = 'Table 10'
    caption = 'Ablation study of components.'
    datasets = ['Mixed']                  # column groups, in the paper's order
    metrics = ['PSNR', 'SSIM']            # columns of each group
    average = False                       # True: an 'Average' group, the mean over datasets
    metric_keys = dict(PSNR='Y/PSNR')     # optional: result key of a metric (default its name)
    lower_is_better = ['LPIPS']           # optional
    decimals = dict(SSIM=3)               # optional: digits shown (default PSNR 2, others 4)
    plot = dict(kind='bars')              # or dict(kind='sweep', x_label='β')
    note = '...'                          # optional, printed under the table
    train_set = 'Rain13K'                 # optional: name of the training data of every row
    protocol = 'per_row'                  # or 'per_column' (see below)
    column_data = dict(Rain100L='configs/_base_/datasets/rain100l.py', ...)  # per_column only
    kind = 'train'                        # or 'complexity' (Table 4), 'perception' (Tables 1/2/7-9)
    input_row = dict(label='Rainy input', published=None)  # optional: the rainy input's scores
    validation_curves = dict(dataset='Mixed', points=5, title='Fig. 6 ...')  # optional
    uncompared = ['Time (s)']             # optional: metrics shown beside the paper's without a diff
    companions = ['sota_rain200_complexity']  # optional: specs tools/reproduce.py runs after this one
    rows = [
        dict(label='RPN ✓ MGCA ✓', config='configs/clip_rpn_ablations/table10_rpn_mgca.py',
             published=[32.42, 0.8671]),  # one number (or None) per column, in column order
    ]

How a row is trained is the spec's ``protocol``:

* ``'per_row'`` (default): one training per row, tested on every column dataset
  (CLIP-RPN Table 10: one Mixed model; DDSA Table 1: one Rain13K model tested on five
  sets). A row's ``config`` is one path.
* ``'per_column'``: one training per (row, column): the model of a cell is trained
  and tested on that column's dataset (CLIP-RPN Tables 3, 6 and 11). A row's
  ``config`` is either ``{dataset: path}`` (one config per column, as Table 3's
  ``restormer_rain100l.py`` ...) or one path whose datasets are swapped for those of
  ``column_data[dataset]`` (a dataset config under ``configs/_base_/datasets/``) in
  each column: Table 11's ℓ1 row is ``table11_l1.py`` (written for Mixed) trained on
  Rain100L, on Rain100H, ... (:func:`swap_datasets`).

``kind`` says what fills a cell: ``'train'`` (train and test the config, the default),
``'complexity'`` (no training: parameters, MACs and time of the row's model config,
:mod:`derain_toolkit.reproduce.complexity`) or ``'perception'`` (no training: the share
of a dataset's images CLIP routes to each prompt; a row's ``config`` is a dataset
config, :mod:`derain_toolkit.reproduce.perception`). Kind-specific keys: ``shape``,
``repeats``, ``untimed`` (complexity), ``router``, ``split`` (perception).

``input_row``: the rainy input scored as a row (``PSNR_input`` ... of the test runs, for
``'train'`` specs, which always ask their PSNR/SSIM metrics to score the input too):
on by default with no published numbers; ``None`` hides it. ``validation_curves``:
every run validates during training (``points`` times under small budgets) and the
report draws the recorded curves of the runs of ``dataset`` as ``curves.png``
(CLIP-RPN Fig. 6 from Table 11's runs).

``cfg_options`` (spec level): overrides merged into every run's config before the row's
(DDSA Table 2 tests every row on a folder of real photos with NIQE and BRISQUE);
``synthetic_test_size``: side of the synthetic test images of small budgets (NIQE
needs 96x96 blocks).

``companions``: names of further specs that complete this table (the parameters and MACs
of ``sota_rain200``'s models are the complexity spec ``sota_rain200_complexity``, since a
spec's columns are one kind): ``tools/reproduce.py`` runs and reports them after it.

Optional row keys: ``x`` (the swept value of a ``sweep`` plot), ``cfg_options``
(overrides merged into the row's config) and ``train_set`` (the name of its training
data, which picks the synthetic rain of small budgets). Relative config paths are
resolved against the repository holding ``configs/tables/``.
"""
import copy
import math
import os
import re
from dataclasses import dataclass, field
from typing import Optional, Union

from mmengine.config import Config

AVERAGE = 'Average'
PLOT_KINDS = ('bars', 'sweep')
PROTOCOLS = ('per_row', 'per_column')
KINDS = ('train', 'complexity', 'perception')
TABLES_DIR = os.path.join('configs', 'tables')
#: The dataloaders whose ``dataset`` :func:`swap_datasets` replaces.
DATA_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


@dataclass(frozen=True)
class Run:
    """One job of a row (a training + test for ``'train'`` specs).

    Attributes:
        name: ``'all'`` for a row trained once, else the column dataset it covers.
        config: Absolute path of its config.
        datasets: The column datasets it is scored on.
        train_set: Name of its training data.
        data_config: Dataset config whose datasets replace the config's (``per_column``
            rows given one path), else ``None``.
    """

    name: str
    config: str
    datasets: tuple[str, ...]
    train_set: str
    data_config: Optional[str] = None


@dataclass(frozen=True)
class Row:
    """A row of the table: a label, its runs, the published numbers and options."""

    index: int
    label: str
    runs: tuple[Run, ...]
    published: tuple[Optional[float], ...]
    x: Optional[float] = None
    cfg_options: dict = field(default_factory=dict)

    @property
    def slug(self) -> str:
        """A folder name for the row: ``row03_rpn_y_mgca_n`` for ``'RPN ✓, MGCA ✗'``."""
        text = self.label.replace('✓', ' y ').replace('✗', ' n ')
        text = re.sub(r'[^A-Za-z0-9.+-]+', '_', text).strip('_').lower()
        return f'row{self.index:02d}_{text[:40]}'


@dataclass(frozen=True)
class InputRow:
    """The rainy input scored as a reference row: its label and published numbers (per column)."""

    label: str
    published: tuple[Optional[float], ...]


@dataclass(frozen=True)
class TableSpec:
    """A loaded, checked table spec (see the module docstring for the file format)."""

    name: str
    path: str
    paper: str
    table: str
    caption: str
    datasets: tuple[str, ...]
    metrics: tuple[str, ...]
    average: bool
    rows: tuple[Row, ...]
    plot: dict
    metric_keys: dict
    lower_is_better: tuple[str, ...]
    decimals: dict = field(default_factory=dict)
    note: str = ''
    protocol: str = 'per_row'
    kind: str = 'train'
    input_row: Optional[InputRow] = None
    validation_curves: Optional[dict] = None
    uncompared: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)
    cfg_options: dict = field(default_factory=dict)
    companions: tuple[str, ...] = ()

    @property
    def column_datasets(self) -> tuple[str, ...]:
        """The dataset groups of the columns, ``'Average'`` last when the table has it."""
        return self.datasets + ((AVERAGE,) if self.average else ())

    @property
    def columns(self) -> list[tuple[str, str]]:
        """``(dataset, metric)`` of every column, in order."""
        return [(d, m) for d in self.column_datasets for m in self.metrics]

    def metric_key(self, metric: str) -> str:
        """The key under which the test run reports ``metric``."""
        return self.metric_keys.get(metric, metric)


def _repo_root(spec_path: str) -> str:
    folder = os.path.dirname(os.path.abspath(spec_path))
    marker = os.sep + TABLES_DIR
    return folder[:-len(marker)] if folder.endswith(marker) else os.getcwd()


def resolve_spec_path(table: str, repo_root: Optional[str] = None) -> str:
    """A spec path from a path or a name (``clip_rpn_table10`` -> ``configs/tables/clip_rpn_table10.py``)."""
    if os.path.isfile(table):
        return os.path.abspath(table)
    root = repo_root or os.getcwd()
    candidate = os.path.join(root, TABLES_DIR, table if table.endswith('.py') else f'{table}.py')
    if os.path.isfile(candidate):
        return candidate
    folder = os.path.join(root, TABLES_DIR)
    known = sorted(f[:-3] for f in os.listdir(folder) if f.endswith('.py')) if os.path.isdir(folder) else []
    raise FileNotFoundError(f'No table spec {table!r}: expected a file or one of the names {known} '
                            f'(files in {folder})')


def _resolve_config(path: str, root: str, where: str) -> str:
    full = path if os.path.isabs(path) else os.path.join(root, path)
    if not os.path.isfile(full):
        raise FileNotFoundError(f'{where}: config {path!r} not found (looked for {full}); fix the path '
                                'in the spec (relative paths start at the repository root)')
    return os.path.abspath(full)


def _check_number(value, where: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise TypeError(f'{where}: published numbers must be numbers or None, got {value!r}')
    return float(value)


def _check_published(published, columns: int, spec: dict, where: str) -> tuple[Optional[float], ...]:
    if published is None:
        published = [None] * columns
    if len(published) != columns:
        raise ValueError(f'{where}: expected {columns} published numbers (one per column: datasets x metrics'
                         f'{" + Average" if spec["average"] else ""}), got {len(published)}')
    return tuple(_check_number(v, f'{where} published[{i}]') for i, v in enumerate(published))


def _runs(raw: dict, spec: dict, root: str, where: str) -> tuple[Run, ...]:
    """The runs of a row under the spec's protocol (see the module docstring)."""
    config: Union[str, dict] = raw['config']
    datasets = tuple(spec['datasets'])
    if isinstance(config, dict):
        if spec['protocol'] != 'per_column':
            raise ValueError(f"{where}: a {{dataset: config}} row trains one model per column; set "
                             f"protocol = 'per_column' in the spec (it is {spec['protocol']!r})")
        if sorted(config) != sorted(datasets):
            raise KeyError(f'{where}: a per-dataset config needs one path per dataset {list(datasets)}, '
                           f'got {sorted(config)}')
        return tuple(Run(d, _resolve_config(config[d], root, where), (d,), d) for d in datasets)
    if not isinstance(config, str):
        raise TypeError(f'{where}: config must be a path or {{dataset: path}}, got {type(config).__name__}')
    path = _resolve_config(config, root, where)
    if spec['protocol'] == 'per_row':
        default_train = spec['train_set'] or (datasets[0] if len(datasets) == 1 else 'synthetic_train')
        return (Run('all', path, datasets, raw.get('train_set', default_train)),)
    column_data = spec['column_data']
    if sorted(column_data) != sorted(datasets):
        raise KeyError(f"{where}: a per_column row given one config trains it on each column's data: the "
                       f'spec needs column_data = {{dataset: dataset config}} for {list(datasets)}, got '
                       f'{sorted(column_data)}')
    return tuple(Run(d, path, (d,), d, _resolve_config(column_data[d], root, f'{where} column_data'))
                 for d in datasets)


def _build_row(index: int, raw: dict, spec: dict, columns: int, root: str, sweep: bool) -> Row:
    where = f'{spec["name"]} row {index} ({raw.get("label", "?")!r})'
    missing = {'label', 'config'} - set(raw)
    if missing:
        raise KeyError(f'{where}: a row needs {sorted(missing)}; got keys {sorted(raw)}')
    unknown = set(raw) - {'label', 'config', 'published', 'x', 'cfg_options', 'train_set'}
    if unknown:
        raise KeyError(f'{where}: unknown row keys {sorted(unknown)}')
    x = raw.get('x')
    if sweep and not isinstance(x, (int, float)):
        raise ValueError(f'{where}: rows of a sweep plot need a numeric x (the swept value), got {x!r}')
    return Row(index, str(raw['label']), _runs(raw, spec, root, where),
               _check_published(raw.get('published'), columns, spec, where),
               None if x is None else float(x), dict(raw.get('cfg_options') or {}))


def _choice(cfg: Config, key: str, default: str, choices: tuple[str, ...], path: str) -> str:
    value = cfg.get(key, default)
    if value not in choices:
        raise ValueError(f'Table spec {path}: {key} must be one of {choices}, got {value!r}')
    return value


def load_table_spec(table: str, repo_root: Optional[str] = None) -> TableSpec:
    """Load and check the spec ``table`` (a path or a name under ``configs/tables/``).

    Raises:
        FileNotFoundError: The spec or a row's config is missing.
        KeyError / TypeError / ValueError: The spec is malformed (the message names the row).
    """
    path = resolve_spec_path(table, repo_root)
    cfg = Config.fromfile(path)
    name = os.path.splitext(os.path.basename(path))[0]
    required = ('paper', 'table', 'datasets', 'metrics', 'rows')
    missing = [k for k in required if k not in cfg]
    if missing:
        raise KeyError(f'Table spec {path}: missing {missing}; see derain_toolkit/reproduce/table_spec.py')
    plot = dict(cfg.get('plot') or dict(kind='bars'))
    if plot.get('kind') not in PLOT_KINDS:
        raise ValueError(f'Table spec {path}: plot kind must be one of {PLOT_KINDS}, got {plot.get("kind")!r}')
    spec = dict(name=name, datasets=list(cfg.datasets), average=bool(cfg.get('average', False)),
                train_set=cfg.get('train_set'), protocol=_choice(cfg, 'protocol', 'per_row', PROTOCOLS, path),
                column_data=dict(cfg.get('column_data') or {}))
    kind = _choice(cfg, 'kind', 'train', KINDS, path)
    if not spec['datasets'] or not cfg.metrics or not cfg.rows:
        raise ValueError(f'Table spec {path}: datasets, metrics and rows must be non-empty')
    columns = (len(spec['datasets']) + spec['average']) * len(cfg.metrics)
    root = repo_root or _repo_root(path)
    rows = tuple(_build_row(i, dict(raw), spec, columns, root, plot['kind'] == 'sweep')
                 for i, raw in enumerate(cfg.rows, start=1))
    raw_input = cfg.get('input_row', dict(label='Rainy input')) if kind == 'train' else None
    input_row = None if raw_input is None else InputRow(
        str(raw_input.get('label', 'Rainy input')),
        _check_published(raw_input.get('published'), columns, spec, f'{name} input_row'))
    curves = cfg.get('validation_curves')
    if curves is not None and curves.get('dataset') not in spec['datasets']:
        raise ValueError(f'Table spec {path}: validation_curves.dataset must be one of the columns '
                         f'{spec["datasets"]}, got {curves.get("dataset")!r}')
    options = {key: cfg[key] for key in ('shape', 'repeats', 'untimed', 'router', 'split', 'synthetic_test_size')
               if key in cfg}
    companions = tuple(str(c) for c in cfg.get('companions') or ())
    for companion in companions:
        resolve_spec_path(companion, root)  # a missing companion fails here, naming the known specs
    return TableSpec(name=name, path=path, paper=str(cfg.paper), table=str(cfg.table),
                     caption=str(cfg.get('caption', '')), datasets=tuple(spec['datasets']),
                     metrics=tuple(cfg.metrics), average=spec['average'], rows=rows, plot=plot,
                     metric_keys=dict(cfg.get('metric_keys') or {}),
                     lower_is_better=tuple(cfg.get('lower_is_better') or ()),
                     decimals=dict(cfg.get('decimals') or {}), note=str(cfg.get('note', '')),
                     protocol=spec['protocol'], kind=kind, input_row=input_row,
                     validation_curves=None if curves is None else dict(curves),
                     uncompared=tuple(cfg.get('uncompared') or ()), options=options,
                     cfg_options=dict(cfg.get('cfg_options') or {}), companions=companions)


def swap_datasets(cfg: Config, data_config: str) -> Config:
    """Replace the ``dataset`` of every dataloader of ``cfg`` by that of ``data_config``; return ``cfg``.

    A ``per_column`` row given one config (written for one dataset, e.g. Mixed) is trained
    and tested on each column's data this way; everything else of the config (model,
    batch size, sampler, schedule, metrics) is kept.
    """
    data = Config.fromfile(data_config)
    for key in DATA_LOADERS:
        if key in data and cfg.get(key) is not None:
            cfg[key]['dataset'] = copy.deepcopy(data[key]['dataset'])
    return cfg
