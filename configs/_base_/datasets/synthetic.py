# Synthetic rain (the embedded default: no download needed). Rain is rendered on the fly
# on clean photos shipped inside scikit-image and scikit-learn, deterministically per
# (seed, index), with light / moderate / heavy patterns in turn (pattern and angle are in
# each sample's data_samples). Train, val and test use different seeds.
# To get the same pairs on disk in the Rain100 layout (rain-N.png, norain-N.png,
# patterns.csv), run: python tools/make_synthetic_rain.py data/Synthetic/train --num 800
# and train on them with rain100l.py's settings (data_root = 'data/Synthetic').
data_root = None  # nothing to read: images are rendered in memory
image_size = 128
num_train = 800
num_val = 30
patterns = ('light', 'moderate', 'heavy')

train_pipeline = [
    dict(type='PairedRandomFlip', horizontal_prob=0.5, vertical_prob=0.5),
    dict(type='PairedToTensor'),
]
test_pipeline = [dict(type='PairedToTensor')]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='SyntheticRainDataset', num_samples=num_train, image_size=image_size,
                 patterns=patterns, seed=0, name='synthetic_train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='SyntheticRainDataset', num_samples=num_val, image_size=image_size,
                 patterns=patterns, seed=1, name='synthetic_val', pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='SyntheticRainDataset', num_samples=num_val, image_size=image_size,
                 patterns=patterns, seed=2, name='synthetic_test', pipeline=test_pipeline))
val_evaluator = [dict(type='PSNRMetric'), dict(type='SSIMMetric')]
test_evaluator = val_evaluator
