# A tiny PReNet on synthetic rain, for CPU (as restormer_tiny_synthetic.py): the same parts (input fusion,
# ConvLSTM, residual blocks, negative SSIM) at 8 channels, 3 stages and 2 residual blocks, 64x64 renders.
#   python tools/train.py configs/prenet_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/prenet.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

# The paper's losses plus the PSNR loss (models/losses/psnr_loss.py): without it, whether a few hundred
# iterations end above the rainy input depended on the seed (issue 16: -3.4 to +0.5 dB for MPRNet, PromptIR
# and DRSformer over two seeds); with it every tiny config gained over the input at both seeds measured.
model = dict(
    losses=[dict(type='SSIMLoss', window_size=11, sigma=1.5, loss_weight=1.0),
            dict(type='PSNRLoss', loss_weight=0.1)],
    backbone=dict(channels=8, stages=3, num_res_blocks=2))

# Budget: the tiny CPU schedule (200 iterations at lr 2e-3), batch 4 (+0.84 / +0.99 dB over the rainy input at
# seeds 0 / 1 on the 30 test images of 128 px, ~20 s on one thread). Without the PSNR loss (SSIM or L1, 8 or 16
# channels, 300-1000 iterations) the output ended 1-3 dB below the input: with no global context PReNet lightened
# light-rain images as if hazy (up to -12 dB on one of them).
train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(image_size=64))
val_dataloader = dict(num_workers=0)
test_dataloader = dict(num_workers=0)
default_hooks = dict(logger=dict(interval=50))
