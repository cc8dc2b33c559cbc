"""Progressive patches (Restormer Sec. 3.3, official basicsr/train.py): stage boundaries, the cut of a
batch, and a tiny run whose steps see the scheduled batch and patch sizes."""
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset

from derain_toolkit.engine.progressive_patches import ProgressivePatches

OFFICIAL = dict(iters=[92000, 64000, 48000, 36000, 36000, 24000], patch_sizes=[128, 160, 192, 256, 320, 384],
                batch_sizes=[8, 5, 4, 2, 1, 1])


def test_stages_switch_where_the_official_loop_switches():
    """Official: iteration i (1-based) is in the first stage j with i <= iters[0] + ... + iters[j]."""
    patches = ProgressivePatches(**OFFICIAL)
    ends = [92000, 156000, 204000, 240000, 276000, 300000]
    for stage, end in enumerate(ends):
        assert patches.stage(end - 1) == stage  # 0-based τ = end - 1 is 1-based iteration `end`
        if stage + 1 < len(ends):
            assert patches.stage(end) == stage + 1
    assert patches.stage(0) == 0 and patches.stage(10**6) == 5


def _collated(batch: int, size: int) -> dict:
    """A pseudo_collate batch whose pixel values encode (sample, row, column); gt = rain + 1000."""
    rows = torch.arange(size).view(1, size, 1).expand(1, size, size)
    cols = torch.arange(size).view(1, 1, size).expand(1, size, size)
    rains = [(100 * i + 10 * rows + cols).float() for i in range(batch)]  # size <= 10
    return dict(inputs=rains, data_samples=dict(gt=[r + 1000 for r in rains], key=[str(i) for i in range(batch)]))


def test_cut_subsamples_and_crops_one_window_for_rain_and_gt_and_is_reproducible():
    patches = ProgressivePatches(iters=[2, 2], patch_sizes=[3, 6], batch_sizes=[2, 4], seed=7)
    out = patches(_collated(4, 6), cur_iter=1)
    assert len(out['inputs']) == len(out['data_samples']['gt']) == len(out['data_samples']['key']) == 2
    windows = set()
    for rain, gt, key in zip(out['inputs'], out['data_samples']['gt'], out['data_samples']['key']):
        assert rain.shape == (1, 3, 3)
        torch.testing.assert_close(gt, rain + 1000)
        sample, top, left = int(rain[0, 0, 0]) // 100, int(rain[0, 0, 0]) // 10 % 10, int(rain[0, 0, 0]) % 10
        assert str(sample) == key
        torch.testing.assert_close(rain[0], 100 * sample + 10 * (top + torch.arange(3).view(3, 1))
                                   + left + torch.arange(3).float())
        windows.add((top, left))
    assert len(windows) == 1  # one window for the whole batch, as the official loop
    assert len(set(out['data_samples']['key'])) == 2  # without replacement
    again = patches(_collated(4, 6), cur_iter=1)
    assert all(torch.equal(a, b) for a, b in zip(out['inputs'], again['inputs']))  # depends on (seed, τ) only
    full = patches(_collated(4, 6), cur_iter=2)
    assert len(full['inputs']) == 4 and full['inputs'][0].shape == (1, 6, 6)
    with pytest.raises(ValueError, match='max\\(batch_sizes\\)'):
        patches(_collated(3, 6), cur_iter=2)


class _ShapeRecorder(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.shapes: list[tuple[int, ...]] = []

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        batch = torch.stack(inputs)  # (B, 1, p, p)
        self.shapes.append(tuple(batch.shape))
        return dict(loss=(self.weight * batch).mean() ** 2)


class _Images(Dataset):
    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> dict:
        image = torch.rand(1, 6, 6)
        return dict(inputs=image, data_samples=dict(gt=image, key=str(index)))


def test_loop_trains_each_iteration_at_its_stage(tmp_path):
    model = _ShapeRecorder()
    runner = Runner(
        model=model, work_dir=str(tmp_path),
        train_dataloader=dict(dataset=_Images(), batch_size=4, num_workers=0,
                              sampler=dict(type='InfiniteSampler', shuffle=True),
                              collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(type='ProgressiveIterBasedTrainLoop', max_iters=7,
                       patch_schedule=dict(iters=[2, 3, 1], patch_sizes=[2, 4, 6], batch_sizes=[4, 2, 1])),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1), clip_grad=dict(max_norm=0.01)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=100)),
        default_scope='derain_toolkit', experiment_name='progressive_loop')
    runner.train()
    assert model.shapes == [(4, 1, 2, 2)] * 2 + [(2, 1, 4, 4)] * 3 + [(1, 1, 6, 6)] * 2


def test_windows_cover_every_valid_position():
    """Unlike the official int((384 - p) * random()), the last position is reachable too."""
    patches = ProgressivePatches(iters=[1000], patch_sizes=[3], batch_sizes=[1])
    corners = set()
    for cur_iter in range(300):
        corner = int(patches(_collated(1, 6), cur_iter)['inputs'][0][0, 0, 0])
        corners.add((corner // 10 % 10, corner % 10))
    assert corners == {(top, left) for top in range(4) for left in range(4)}
