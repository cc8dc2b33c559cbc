"""tools/mutation_test.py: the mutants it makes, how they are applied, and which tests it picks."""
import ast

SOURCE = '''"""Docstring: 1 + 1 is not mutated."""
import torch
import torch.nn.functional as F


def block(x, y, mask):
    """Neither is this: 2 * 3."""
    if mask is None:
        raise ValueError(f'bad {1 + 2}')
    a, b = x.chunk(2, dim=1)
    z = torch.cat([a, b], dim=1) + F.gelu(y)  # ünïcode before a mutant on the same line: 0.5
    return (z * 0.5).softmax(dim=-1) - x @ y
'''


def test_mutants_cover_the_operators_and_skip_docstrings_and_raises(load_tool):
    tool = load_tool('mutation_test')
    mutants = tool.find_mutants('m.py', SOURCE.encode())
    kinds = {m.kind for m in mutants}
    assert {'binop', 'swap-operands', 'drop-operand', 'compare', 'constant', 'dim', 'drop-call', 'drop-method',
            'activation', 'swap-cat', 'swap-unpack'} <= kinds
    assert all(m.line >= 8 for m in mutants), 'docstrings and import lines are left alone'
    assert not any('1 + 2' in m.original for m in mutants), 'raise statements are left alone'
    by_edit = {(m.kind, m.original, m.replacement) for m in mutants}
    assert ('swap-cat', '[a, b]', '[b, a]') in by_edit
    assert ('swap-unpack', 'a, b', 'b, a') in by_edit
    assert ('dim', '-1', '-2') in by_edit and ('dim', '1', '2') in by_edit
    assert ('activation', 'F.gelu(y)', 'F.relu(y)') in by_edit
    assert ('swap-operands', 'x @ y', '(y @ x)') in by_edit
    assert ('drop-method', '(z * 0.5).softmax(dim=-1)', '(z * 0.5)') in by_edit
    assert ('compare', 'mask is None', '(mask is not None)') in by_edit


def test_each_mutant_changes_exactly_its_span_and_compiles(load_tool):
    tool = load_tool('mutation_test')
    source = SOURCE.encode()
    for mutant in tool.find_mutants('m.py', source):
        mutated = mutant.apply(source)
        ast.parse(mutated)
        assert mutated[:mutant.start] == source[:mutant.start]
        assert mutated.endswith(source[mutant.end:]) and mutated != source
    unicode_line = [m for m in tool.find_mutants('m.py', source) if m.line == 11 and m.kind == 'activation']
    assert unicode_line[0].mutated_line(source).startswith('z = torch.cat([a, b], dim=1) + F.relu(y)')


def test_tests_are_mirror_files_first_then_tests_naming_the_module(load_tool):
    tool = load_tool('mutation_test')
    test_files = sorted((tool.REPO_ROOT / 'tests').rglob('test_*.py'))
    tests = tool.tests_for('derain_toolkit/models/attention/mgca.py', test_files, ('tests/configs', 'tests/*_x.py'))
    assert tests[0] == 'tests/models/attention/test_mgca.py'
    assert 'tests/models/backbones/test_clip_rpn.py' in tests
    assert not any(t.startswith('tests/configs') for t in tests)


def test_sampling_is_seeded_and_list_runs_nothing(load_tool, capsys):
    tool = load_tool('mutation_test')
    argv = ['--list', '--paths', 'derain_toolkit/models/losses/l2_loss.py', '--max-mutants', '2', '--seed', '3']
    assert tool.main(argv) == 0
    first = capsys.readouterr().out
    tool.main(argv)
    assert capsys.readouterr().out == first and first.startswith('derain_toolkit/models/losses/l2_loss.py: 2 / 4')
