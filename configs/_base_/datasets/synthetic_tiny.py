# The tiny configs' data: synthetic.py at 32x32 renders, 64 for training (batch 4), 4 for validation, 8 for the
# test, loaded in the main process.
_base_ = ['./synthetic.py']

image_size = 32
train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(image_size=image_size, num_samples=64))
val_dataloader = dict(num_workers=0, dataset=dict(image_size=image_size, num_samples=4))
test_dataloader = dict(num_workers=0, dataset=dict(image_size=image_size, num_samples=8))
