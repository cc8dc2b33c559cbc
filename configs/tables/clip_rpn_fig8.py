# CLIP-RPN Fig. 8: PSNR and SSIM against the DLS η (β fixed at 0.8), models trained on
# the Mixed data. The paper only plots this sweep (the figure is an image): its text
# gives neither the swept values nor the numbers, only that η = 2.3 is best and that
# larger η destabilises training. The published numbers are therefore None; the swept
# values 1.9-2.7 are the choice of configs/clip_rpn_ablations/fig8_eta_*.py.
paper = 'CLIP-RPN'
table = 'Fig. 8'
caption = 'Impact of η on the performance (β = 0.8).'
datasets = ['Mixed']
metrics = ['PSNR', 'SSIM']
protocol = 'per_row'  # one Mixed model per η
average = False
plot = dict(kind='sweep', x_label='η')
note = 'The paper only plots Fig. 8; no published numbers (its text: η = 2.3 is best).'
rows = [
    dict(label=f'η = {eta}', x=eta, config=f'configs/clip_rpn_ablations/fig8_eta_{name}.py', published=None)
    for eta, name in ((1.9, '1p9'), (2.1, '2p1'), (2.3, '2p3'), (2.5, '2p5'), (2.7, '2p7'))
]
