# Synthetic rain (the embedded default: no download needed). Rain is rendered on the fly
# on clean photos shipped inside scikit-image and scikit-learn, deterministically per
# (seed, index), with light / moderate / heavy patterns in turn (pattern and angle are in
# each sample's data_samples). Train, val and test use different seeds.
# To get the same pairs on disk in the Rain100 layout (rain-N.png, norain-N.png,
# patterns.csv), run: python tools/make_synthetic_rain.py data/Synthetic/train --num 800
# and train on them with rain100l.py's settings (data_root = 'data/Synthetic').
_base_ = ['./paired_dataloaders.py']

image_size = 128
num_train = 800
num_val = 30
patterns = ('light', 'moderate', 'heavy')
# Rendered at the training size already: flips only, no crop.
train_pipeline = [
    dict(type='PairedRandomFlip', horizontal_prob=0.5, vertical_prob=0.5),
    dict(type='PairedToTensor'),
]

train_dataloader = dict(dataset=dict(type='SyntheticRainDataset', num_samples=num_train, image_size=image_size,
                                     patterns=patterns, seed=0, name='synthetic_train', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type='SyntheticRainDataset', num_samples=num_val, image_size=image_size,
                                   patterns=patterns, seed=1, name='synthetic_val',
                                   pipeline={{_base_.test_pipeline}}))
test_dataloader = dict(dataset=dict(type='SyntheticRainDataset', num_samples=num_val, image_size=image_size,
                                    patterns=patterns, seed=2, name='synthetic_test',
                                    pipeline={{_base_.test_pipeline}}))
