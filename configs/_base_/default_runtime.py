# Runtime shared by every config: hooks, logging, environment.
# Logs show progress and ETA every `logger.interval` iterations (mmengine's LoggerHook).
default_scope = 'derain_toolkit'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # write-then-rename checkpoints (derain_toolkit/engine/atomic_checkpoint_hook.py)
    checkpoint=dict(type='AtomicCheckpointHook', interval=5000, by_epoch=False, max_keep_ckpts=3,
                    save_best='PSNR', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
custom_hooks = [
    dict(type='TrainingProgressHook'),          # (τ, T) for DLS, CLIP-RPN Eq. (14)
    dict(type='NaNGuardHook', action='stop'),    # never train on a NaN/Inf loss
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),  # tools/train.py switches to gloo for CPU runs
)
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
