# CLIP-RPN Table 3: each model trained and tested on each dataset (Rain100L, Rain100H,
# Rain800) and on the Mixed data: one training per (row, column); Average is the mean of
# the four columns. Rows: the models of the table this toolkit has (it lacks AirNet,
# TransWeather and AMIR). The report adds the rainy input scored the same way (not in
# the paper).
paper = 'CLIP-RPN'
table = 'Table 3'
caption = 'Quantitative results of compared models on public datasets and mixed dataset.'
datasets = ['Rain100L', 'Rain100H', 'Rain800', 'Mixed']
metrics = ['PSNR', 'SSIM']
average = True
protocol = 'per_column'
plot = dict(kind='bars')
# (label, config prefix: configs/<prefix>_<dataset>.py, published numbers)
_models = [
    ('Restormer', 'restormer', [36.10, 0.9221, 29.62, 0.8413, 28.22, 0.8131, 32.24, 0.8648, 31.55, 0.8603]),
    ('CLIP-RPN', 'clip_rpn', [36.21, 0.9211, 29.66, 0.8423, 28.40, 0.8122, 32.42, 0.8671, 31.67, 0.8607]),
]
rows = [dict(label=label, config={d: f'configs/{prefix}_{d.lower()}.py' for d in datasets}, published=published)
        for label, prefix, published in _models]
