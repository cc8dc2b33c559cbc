# CLIP-RPN Table 3: each model trained and tested on each dataset (Rain100L, Rain100H,
# Rain800) and on the Mixed data: one training per (row, column); Average is the mean of
# the four columns. Rows: the models of the table this toolkit has, in the paper's order
# (it lacks AirNet, TransWeather and AMIR), every one trained with CLIP-RPN's recipe
# (Sec. 4.3: one protocol) and its own loss. The report adds the rainy input scored the
# same way (not in the paper).
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
    ('PReNet', 'prenet', [32.06, 0.8966, 26.32, 0.7733, 24.12, 0.7586, 27.47, 0.8056, 27.49, 0.8085]),
    ('MPRNet', 'mprnet', [32.24, 0.8982, 28.51, 0.8192, 26.67, 0.7870, 31.03, 0.8515, 29.61, 0.8390]),
    ('Restormer', 'restormer', [36.10, 0.9221, 29.62, 0.8413, 28.22, 0.8131, 32.24, 0.8648, 31.55, 0.8603]),
    ('DRSformer', 'drsformer', [36.15, 0.9191, 29.53, 0.8372, 27.88, 0.8117, 32.22, 0.8647, 31.45, 0.8582]),
    ('PromptIR', 'promptir', [36.20, 0.9229, 29.57, 0.8406, 27.83, 0.8079, 32.28, 0.8655, 31.47, 0.8592]),
    ('CLIP-RPN', 'clip_rpn', [36.21, 0.9211, 29.66, 0.8423, 28.40, 0.8122, 32.42, 0.8671, 31.67, 0.8607]),
]
rows = [dict(label=label, config={d: f'configs/{prefix}_{d.lower()}.py' for d in datasets}, published=published)
        for label, prefix, published in _models]
