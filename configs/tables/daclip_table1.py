# DA-CLIP paper Table I: IR-SDE with and without DA-CLIP, trained and tested on Rain100H,
# metrics in RGB space. LPIPS needs the `lpips` package and its AlexNet weights: budgets
# with synthetic data drop it (no weights offline), leaving that column unmeasured.
paper = 'DA-CLIP'
table = 'Table I'
caption = 'Obtained results in RGB space.'
datasets = ['Rain100H']
metrics = ['PSNR', 'SSIM', 'LPIPS']
metric_keys = dict(PSNR='RGB/PSNR', SSIM='RGB/SSIM', LPIPS='RGB/LPIPS')
lower_is_better = ['LPIPS']
protocol = 'per_row'  # one Rain100H model per row
average = False
plot = dict(kind='bars')
decimals = dict(PSNR=3, SSIM=4, LPIPS=4)
note = 'LPIPS is measured only at the paper budget (it needs the lpips package and AlexNet weights).'
rows = [
    dict(label='IR-SDE', config='configs/irsde_rain100h.py', published=[26.212, 0.8520, 0.0845]),
    dict(label='IR-SDE with DA-CLIP', config='configs/irsde_daclip_rain100h.py', published=[29.980, 0.8867, 0.0505]),
    # ours only (the paper has no such row): the same model sampled with the MR Sampler, 10 NFE
    dict(label='IR-SDE with DA-CLIP, MR Sampler (10 NFE)', config='configs/irsde_daclip_mrs_rain100h.py', published=None),
]
