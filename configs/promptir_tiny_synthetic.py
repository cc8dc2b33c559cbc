# A tiny PromptIR on synthetic rain, for CPU (as restormer_tiny_synthetic.py). The official code
# runs only at dim 48 (hard-coded prompt widths); the toolkit's widths scale with dim, so this is
# the same network at dim 12: prompts of 80/32/16 channels (dim * (20, 8, 4) // 3) at 8/16/32 px,
# the feature sizes of 64x64 renders (the official 16/32/64 px are those of 128x128 crops).
#   python tools/train.py configs/promptir_tiny_synthetic.py --device cpu
_base_ = [
    './_base_/models/promptir.py',
    './_base_/datasets/synthetic.py',
    './_base_/schedules/tiny_cpu.py',
    './_base_/default_runtime.py',
]

model = dict(backbone=dict(dim=12, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1, heads=(1, 1, 2, 2),
                           ffn_expansion_factor=2.0, prompt_sizes=(8, 16, 32)))

train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(image_size=64))
val_dataloader = dict(num_workers=0)
test_dataloader = dict(num_workers=0)
default_hooks = dict(logger=dict(interval=50))
