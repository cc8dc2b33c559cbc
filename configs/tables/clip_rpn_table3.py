# CLIP-RPN Table 3: models trained and tested on each dataset (Rain100L, Rain100H,
# Rain800) and on the Mixed data; Average is the mean of the four columns. Only the rows
# of the models this toolkit has are kept: Restormer and CLIP-RPN (the paper also lists
# PReNet, MPRNet, AirNet, TransWeather, DRSformer, PromptIR and AMIR).
paper = 'CLIP-RPN'
table = 'Table 3'
caption = 'Quantitative results of compared models on public datasets and mixed dataset.'
datasets = ['Rain100L', 'Rain100H', 'Rain800', 'Mixed']
metrics = ['PSNR', 'SSIM']
average = True
plot = dict(kind='bars')
rows = [
    dict(label='Restormer',
         config=dict(Rain100L='configs/restormer_rain100l.py', Rain100H='configs/restormer_rain100h.py',
                     Rain800='configs/restormer_rain800.py', Mixed='configs/restormer_mixed.py'),
         published=[36.10, 0.9221, 29.62, 0.8413, 28.22, 0.8131, 32.24, 0.8648, 31.55, 0.8603]),
    dict(label='CLIP-RPN',
         config=dict(Rain100L='configs/clip_rpn_rain100l.py', Rain100H='configs/clip_rpn_rain100h.py',
                     Rain800='configs/clip_rpn_rain800.py', Mixed='configs/clip_rpn_mixed.py'),
         published=[36.21, 0.9211, 29.66, 0.8423, 28.40, 0.8122, 32.42, 0.8671, 31.67, 0.8607]),
]
