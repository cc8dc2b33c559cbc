"""The text prompts of CLIP-RPN, by name.

CLIP-RPN Table 5 lists the three prompt sets of the experiments (``'set1'``,
``'set2'``, ``'set3'``; set 3 is the default, Sec. 4.2). The text is copied exactly,
including Table 5's spelling "distoration" in set 3 (Table 9's header spells it
"distortion"; the spelling changes CLIP's tokens, so Table 5, the list the paper says
it used, wins). The branch index of a prompt is its position in the list.

The perception tables (CLIP's routing shares, ``tools/reproduce.py clip_rpn_table1``
...) use the prompts printed in their own headers, kept here as printed (title case
included), named by table:

- ``'table1'``: rain / no rain (Table 1; not in Table 5),
- ``'table2'``: light / moderate / heavy rain (Table 2; not in Table 5),
- ``'table7'``: set 1 (Table 7's header prints it as Table 5 does),
- ``'table8'``: the longer wording of set 2 in Table 8's header,
- ``'table9'``: set 3 as Table 9's header spells it ("distortion").
"""
from collections.abc import Sequence
from typing import Union

PROMPT_SETS: dict[str, tuple[str, ...]] = {
    'set1': (
        'Image showing a gentle drizzle with minimal water accumulation. '
        'The raindrops may be small and sparse.',
        'Image depicting a steady rainfall with more noticeable raindrops. '
        'Puddles may start to form, and visibility might be slightly reduced.',
        'Image characterized by intense rainfall, with large raindrops and significant water '
        'accumulation. Visibility is often low, and streets may appear flooded.',
    ),
    'set2': (
        'This image has very sparse raindrops',
        'This is an image with moderately dense raindrops',
        'This is an image with dense raindrops',
    ),
    'set3': (
        'This image has almost no rain effect or raindrops or any distoration.',
        'Rain effect: the rain looks like it was unnatural and of poor quality, '
        'adding to the image distortion.',
    ),
    'table1': (
        'The Image is Unnatural with Rain Effect and of Poor Quality, Adding to the Image Distortion.',
        'Almost No Rain Effect or Raindrops or Any Distortion.',
    ),
    'table2': (
        'A Light Drizzle with Fine Raindrops, Causing Minimal Disruption to Visibility '
        'and Surface Accumulation.',
        'A Steady Rainfall with Moderately Sized Raindrops, Leading to Consistent Water '
        'Accumulation and Noticeable Reduction in Visibility.',
        'A Heavy Downpour with Large, Dense Raindrops, Resulting in Significant Water '
        'Accumulation and Severely Reduced Visibility.',
    ),
    'table8': (
        'This image has very sparse raindrops, indicating light rain conditions with '
        'minimal impact on visibility.',
        'This is an image with moderately dense raindrops, showing noticeable rain '
        'intensity and some visibility reduction.',
        'This is an image with dense raindrops, representing heavy rain conditions with '
        'significant visibility impairment.',
    ),
    'table9': (
        'This image has almost no rain effect or raindrops or any distortion.',
        'Rain effect: the rain looks like it was unnatural and of poor quality, '
        'adding to the image distortion.',
    ),
}
PROMPT_SETS['table7'] = PROMPT_SETS['set1']


def resolve_prompts(prompts: Union[str, Sequence[str]]) -> list[str]:
    """Return the prompt list named by ``prompts`` (a key of ``PROMPT_SETS``) or given explicitly.

    Args:
        prompts: A name in ``PROMPT_SETS`` or a list of at least two prompt strings.
    """
    if isinstance(prompts, str):
        if prompts not in PROMPT_SETS:
            raise KeyError(f'Unknown prompt set {prompts!r}: expected one of {sorted(PROMPT_SETS)} '
                           'or an explicit list of prompt strings')
        return list(PROMPT_SETS[prompts])
    prompts = list(prompts)
    if len(prompts) < 1 or not all(isinstance(p, str) and p for p in prompts):
        raise ValueError(f'Expected a non-empty list of non-empty prompt strings, got {prompts!r}')
    return prompts
