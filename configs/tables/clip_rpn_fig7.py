# CLIP-RPN Fig. 7: PSNR and SSIM against the DLS β (η fixed at 2.3), models trained on
# the Mixed data. The paper only plots this sweep (the figure is an image): its text
# gives neither the swept values nor the numbers, only that β = 0.8 is best and that
# performance degrades markedly above it. The published numbers are therefore None; the
# swept values 0.6-1.0 are the choice of configs/clip_rpn_ablations/fig7_beta_*.py.
paper = 'CLIP-RPN'
table = 'Fig. 7'
caption = 'Impact of β on the performance (η = 2.3).'
datasets = ['Mixed']
metrics = ['PSNR', 'SSIM']
protocol = 'per_row'  # one Mixed model per β
average = False
plot = dict(kind='sweep', x_label='β')
note = 'The paper only plots Fig. 7; no published numbers (its text: β = 0.8 is best).'
rows = [
    dict(label=f'β = {beta}', x=beta, config=f'configs/clip_rpn_ablations/fig7_beta_{name}.py', published=None)
    for beta, name in ((0.6, '0p6'), (0.7, '0p7'), (0.8, '0p8'), (0.9, '0p9'), (1.0, '1p0'))
]
