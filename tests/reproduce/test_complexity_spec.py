"""Table 4 as a spec: counted without training; a diffusion sampler's MACs are extrapolated exactly."""
import os
import textwrap
import warnings

import pytest
import torch

from derain_toolkit import build_model, load_config
from derain_toolkit.reproduce import get_budget, load_table_spec, reproduce, write_report
from derain_toolkit.utils.complexity import complexity_of
from derain_toolkit.utils.complexity import count_macs, count_parameters, every_route, thop_profile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def quiet_one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize('sampler', [None, dict(type='MRSampler', steps=5, solver='ode', order=3)])
def test_a_samplers_macs_are_those_of_all_its_reverse_steps(sampler):
    cfg = load_config(os.path.join(ROOT, 'configs', 'irsde_tiny_synthetic.py'))
    if sampler is not None:
        cfg.model.generator.sampler = sampler
    steps = cfg.model.generator.sampler.steps
    counted = complexity_of(cfg.copy(), (1, 3, 16, 16), repeats=0)  # from 1 and 2 steps
    real = count_macs(build_model(cfg).eval(), torch.rand(1, 3, 16, 16), mode='tensor')  # every step run
    assert steps > 2 and counted['MACs total (G)'] * 1e9 == pytest.approx(real['total'], rel=1e-9)
    assert counted['MACs (G)'] * 1e9 == pytest.approx(real['conv'] + real['linear'], rel=1e-9)


def test_table4_spec_fills_every_cell_without_training(tmp_path):
    tiny = {name: os.path.join(ROOT, 'configs', f'{name}_tiny_synthetic.py') for name in ('restormer', 'clip_rpn')}
    spec_path = tmp_path / 'table4.py'
    spec_path.write_text(textwrap.dedent(f"""
        paper = 'CLIP-RPN'
        table = 'Table 4'
        kind = 'complexity'
        shape = (1, 3, 32, 32)
        untimed = ['CLIP-RPN']
        datasets = ['32x32']
        metrics = ['Param (M)', 'Trainable (M)', 'Param thop (M)', 'MACs (G)', 'MACs all routes (G)',
                   'MACs thop (G)', 'MACs total (G)', 'Time (s)']
        uncompared = ['Time (s)']
        rows = [dict(label='Restormer', config={tiny['restormer']!r}, published=[1, 1, 1, 1, 1, 1, None, 9.0]),
                dict(label='CLIP-RPN', config={tiny['clip_rpn']!r})]
    """))
    spec = load_table_spec(str(spec_path))

    def no_training(cfg):
        raise AssertionError('a complexity spec must not train')

    outcomes = reproduce(spec, get_budget('smoke'), str(tmp_path / 'work'), progress=False, train_fn=no_training)
    assert not any(o.error for o in outcomes)
    restormer, clip_rpn = (o.cells['32x32'] for o in outcomes)
    model = build_model(tiny['clip_rpn']).eval()
    x = torch.rand(1, 3, 32, 32)
    assert clip_rpn['Param (M)'] * 1e6 == pytest.approx(count_parameters(model), abs=0.5)
    assert clip_rpn['Trainable (M)'] * 1e6 == pytest.approx(count_parameters(model, trainable_only=True), abs=0.5)
    assert clip_rpn['MACs thop (G)'] * 1e9 == pytest.approx(thop_profile(every_route(model, with_router=False),
                                                                         (x,))[0])
    routes = count_macs(every_route(model), x)
    assert clip_rpn['MACs all routes (G)'] * 1e9 == pytest.approx(routes['conv'] + routes['linear'])
    assert 'Time (s)' not in clip_rpn and restormer['Time (s)'] > 0  # untimed row; timed row
    assert outcomes[1].missing == ['32x32 Time (s)']
    assert restormer['MACs all routes (G)'] == restormer['MACs (G)']
    markdown = open(write_report(str(tmp_path / 'work'), spec, get_budget('smoke'), outcomes)['md']).read()
    assert 'no training' in markdown and 'Measured on: cpu' in markdown
    time_cell = [line for line in markdown.splitlines() if line.startswith('| Restormer')][0].split('|')[-3]
    assert time_cell.strip().endswith('/ 9.0000')  # beside the paper's figure, no difference shown
