# DA-CLIP paper Table II: IR-SDE with and without DA-CLIP, trained and tested on Rain100H,
# PSNR/SSIM on the Y channel of YCbCr.
paper = 'DA-CLIP'
table = 'Table II'
caption = 'Obtained results in YCbCr space.'
datasets = ['Rain100H']
metrics = ['PSNR', 'SSIM']
metric_keys = dict(PSNR='Y/PSNR', SSIM='Y/SSIM')
protocol = 'per_row'  # one Rain100H model per row
average = False
plot = dict(kind='bars')
rows = [
    dict(label='IR-SDE', config='configs/irsde_rain100h.py', published=[27.7002, 0.8707]),
    dict(label='IR-SDE with DA-CLIP', config='configs/irsde_daclip_rain100h.py', published=[31.3411, 0.8997]),
    # ours only (the paper has no such row): the same model sampled with the MR Sampler, 10 NFE
    dict(label='IR-SDE with DA-CLIP, MR Sampler (10 NFE)', config='configs/irsde_daclip_mrs_rain100h.py', published=None),
]
