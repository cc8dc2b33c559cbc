"""The shared small helpers: the one Markdown table writer, the top-k size of sparse attention, and
the meta-device fallback's test of an error."""
import pytest
import torch

from derain_toolkit.models.layers.topk import topk_size
from derain_toolkit.utils.complexity import needs_values
from derain_toolkit.utils.tables import markdown_table


def test_markdown_table_writes_a_header_a_rule_and_a_line_per_row():
    assert markdown_table(['A', 'B'], [['1', '2'], ['x', '']]) == '| A | B |\n| --- | --- |\n| 1 | 2 |\n| x |  |'
    with pytest.raises(ValueError, match="2 cells.*\\['1'\\]"):
        markdown_table(['A', 'B'], [['1']])


@pytest.mark.parametrize('ratio, length, expected', [
    (2 / 3, 48, 32),   # DRSformer's int(C * 2 / 3); the float 2/3 * 48 is 31.999...
    (4 / 5, 48, 38), (1 / 2, 48, 24), (3 / 4, 48, 36),
    (0.7, 48, 33),     # DDSA's k = 0.7 at the paper's 48 channels per head
    (0.7, 70, 49),     # floor(7/10 * 70); the float 0.7 * 70 is 48.99999999999999
    (0.01, 8, 1),      # at least one entry
])
def test_topk_size_is_floor_of_the_exact_fraction(ratio, length, expected):
    assert topk_size(ratio, length) == expected


def test_only_errors_about_missing_values_send_the_count_to_the_cpu():
    with pytest.raises(NotImplementedError) as no_meta_kernel:
        torch.empty(3, device='meta').unique()
    with pytest.raises(RuntimeError) as item_of_meta:
        torch.empty(1, device='meta').item()
    assert needs_values(no_meta_kernel.value) and needs_values(item_of_meta.value)
    assert not needs_values(RuntimeError('mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)'))
    assert not needs_values(TypeError('forward() missing 1 required positional argument'))
    assert not needs_values(ValueError('bad config'))
