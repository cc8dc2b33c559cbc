# PromptIR (Potlapalli et al., NeurIPS 2023; CLIP-RPN ref. [53]), the official network
# PromptIR(decoder=True): Restormer's 4-level U-Net of MDTA + GDFN blocks, dim 48, blocks
# (4, 6, 6, 8), 4 refinement blocks, heads (1, 2, 4, 8), expansion 2.66, no biases, WithBias
# LayerNorm, with a prompt block (PGM + PIM; prompts of 5 components, 320/128/64 channels at
# 16/32/64 px from the latent up) before each upsampling step; L1 loss (as train.py).
# 35,592,263 parameters (215,296 of them in six convolutions the official forward never calls,
# kept for strict loading), 158.14 G conv MACs at 256x256, as the official code.
_base_ = ['./restormer.py']

model = dict(
    backbone=dict(
        type='PromptIR',
        prompt_channels=None,  # dim * (20, 8, 4) // 3 = (320, 128, 64)
        prompt_sizes=(16, 32, 64),
        prompt_len=5,
        unused_convs=True))
# The six unused official convolutions get no gradient: multi-GPU training must let DDP skip them.
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
# Official weights (a Lightning .ckpt: state_dict with 'net.' keys) load through this release's
# key mapping (derain_toolkit/checkpoints/converters/promptir.py).
checkpoint_converter = 'promptir'
