"""CLIP-RPN Tables 1/2/7/8/9 specs: each table's own prompts; shares are the routes of the row's images."""
import os
import textwrap

import pytest
import torch

from derain_toolkit.models.routers.prompts import PROMPT_SETS
from derain_toolkit.registry import DATASETS
from derain_toolkit.reproduce import get_budget, load_table_spec, reproduce
from derain_toolkit.reproduce import perception
from derain_toolkit.reproduce.budgets import synthetic_loader, synthetic_test_seed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize('table, prompts, columns', [
    ('clip_rpn_table1', 'table1', 2), ('clip_rpn_table2', 'table2', 3), ('clip_rpn_table7', 'set1', 3),
    ('clip_rpn_table8', 'table8', 3), ('clip_rpn_table9', 'table9', 2)])
def test_each_perception_table_routes_with_the_prompts_of_its_own_header(table, prompts, columns):
    spec = load_table_spec(table, repo_root=ROOT)
    assert spec.kind == 'perception' and len(spec.metrics) == columns
    assert PROMPT_SETS[spec.options['router']['prompts']] == PROMPT_SETS[prompts]
    assert [row.label for row in spec.rows] == ['Rain800', 'Rain100H', 'Rain100L', 'Mixed']
    for row in spec.rows:  # the paper's shares of a dataset sum to 100
        assert sum(row.published) == pytest.approx(100.0, abs=0.02)


def test_table_headers_differ_from_table5_where_the_paper_prints_them_differently():
    assert PROMPT_SETS['table9'][0].endswith('any distortion.') and PROMPT_SETS['set3'][0].endswith('distoration.')
    assert PROMPT_SETS['table8'][0].startswith(PROMPT_SETS['set2'][0] + ', indicating light rain')
    assert not set(PROMPT_SETS['table1']) & set(PROMPT_SETS['set3'])


def test_shares_are_the_routes_of_the_rows_synthetic_images(tmp_path, monkeypatch):
    spec_path = tmp_path / 'perception.py'
    spec_path.write_text(textwrap.dedent(f"""
        paper = 'CLIP-RPN'
        table = 'Table 9'
        kind = 'perception'
        router = dict(type='CLIPRouter', prompts='table9')
        datasets = ['Share (%)']
        metrics = ['P1', 'P2']
        rows = [dict(label='Rain100H', config={os.path.join(ROOT, 'configs/_base_/datasets/rain100h.py')!r},
                     published=[6.11, 93.89])]
    """))
    built = []
    build = perception.ROUTERS.build

    def recording(cfg):
        built.append((dict(cfg), build(cfg)))
        return built[-1][1]

    monkeypatch.setattr(perception.ROUTERS, 'build', recording)
    budget = get_budget('smoke')
    outcome, = reproduce(load_table_spec(str(spec_path)), budget, str(tmp_path / 'work'), progress=False)
    (cfg, router), = built
    assert cfg['prompts'] == 'table9' and cfg['model_cfg'] == 'tiny' and list(router.prompts) == \
        list(PROMPT_SETS['table9'])
    # Independently: route each synthetic Rain100H test image (heavy rain) through the same router.
    loader = synthetic_loader('Rain100H', budget, synthetic_test_seed('Rain100H'), train=False)
    images = DATASETS.build(loader['dataset'])
    routes = [int(router.probabilities(images[i]['inputs'][None]).argmax()) for i in range(len(images))]
    expected = [100 * routes.count(k) / len(routes) for k in range(2)]
    assert [outcome.cells['Share (%)'][p] for p in ('P1', 'P2')] == pytest.approx(expected)
    assert len(images) == budget.num_test and torch.is_tensor(images[0]['inputs'])
