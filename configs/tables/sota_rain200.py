# The 2024 state of the art on Rain200L, Rain200H, DDN-Data, DID-Data and SPA-Data: FADformer
# (ECCV 2024) Table 1 / NeRD-Rain (CVPR 2024) Table 1. One training per (row, column) with the
# row's configs/<model>_<set>.py (each set's published layout and scoring protocol: uint8 Y +
# MATLAB SSIM for Rain200L/H and SPA-Data, double Y + ssim.m's downsampling for DDN/DID-Data,
# configs/_base_/datasets/<set>.py). Parameters and MACs at 1x3x256x256 are the companion spec
# sota_rain200_complexity (run by tools/reproduce.py after this one).
# Published numbers and their sources:
# - PReNet, MPRNet, Restormer, DRSformer, FADformer: FADformer Table 1 (deng-ai-lab/FADformer
#   figs/result.png; its column order Rain200L, Rain200H, DDN-Data, DID-Data, SPA-Data is ours).
# - NeRD-Rain-S, NeRD-Rain: NeRD-Rain Table 1 (cschenxiang/NeRD-Rain figs/table.png, which lists
#   DID-Data before DDN-Data; its PReNet ... DRSformer rows equal FADformer's).
paper = 'FADformer / NeRD-Rain'
table = 'Table 1'
caption = 'Quantitative evaluations on synthetic (Rain200L/H, DDN-Data, DID-Data) and real (SPA-Data) datasets.'
datasets = ['Rain200L', 'Rain200H', 'DDN-Data', 'DID-Data', 'SPA-Data']
metrics = ['PSNR', 'SSIM']
average = False
protocol = 'per_column'
plot = dict(kind='bars')
companions = ['sota_rain200_complexity']
note = ('Published: PReNet, MPRNet, Restormer, DRSformer and FADformer from FADformer Table 1 '
        '(github.com/deng-ai-lab/FADformer figs/result.png); NeRD-Rain-S and NeRD-Rain from NeRD-Rain Table 1 '
        '(github.com/cschenxiang/NeRD-Rain figs/table.png).')
_config_sets = {'Rain200L': 'rain200l', 'Rain200H': 'rain200h', 'DDN-Data': 'ddn', 'DID-Data': 'did',
                'SPA-Data': 'spa'}
# (label, config prefix: configs/<prefix>_<set>.py, {set: (PSNR, SSIM)})
_models = [
    ('PReNet', 'prenet', {'Rain200L': (37.80, 0.9814), 'Rain200H': (29.04, 0.8991), 'DDN-Data': (32.60, 0.9459),
                          'DID-Data': (33.17, 0.9481), 'SPA-Data': (40.16, 0.9816)}),
    ('MPRNet', 'mprnet', {'Rain200L': (39.47, 0.9825), 'Rain200H': (30.67, 0.9110), 'DDN-Data': (33.10, 0.9347),
                          'DID-Data': (33.99, 0.9590), 'SPA-Data': (43.64, 0.9844)}),
    ('Restormer', 'restormer', {'Rain200L': (40.99, 0.9890), 'Rain200H': (32.00, 0.9329),
                                'DDN-Data': (34.20, 0.9571), 'DID-Data': (35.29, 0.9641),
                                'SPA-Data': (47.98, 0.9921)}),
    ('DRSformer', 'drsformer', {'Rain200L': (41.23, 0.9894), 'Rain200H': (32.17, 0.9326),
                                'DDN-Data': (34.35, 0.9588), 'DID-Data': (35.35, 0.9646),
                                'SPA-Data': (48.54, 0.9924)}),
    ('NeRD-Rain-S', 'nerdrain_s', {'Rain200L': (41.30, 0.9895), 'Rain200H': (32.06, 0.9315),
                                   'DDN-Data': (34.25, 0.9578), 'DID-Data': (35.36, 0.9647),
                                   'SPA-Data': (48.90, 0.9936)}),
    ('NeRD-Rain', 'nerdrain', {'Rain200L': (41.71, 0.9903), 'Rain200H': (32.40, 0.9373),
                               'DDN-Data': (34.45, 0.9596), 'DID-Data': (35.53, 0.9659),
                               'SPA-Data': (49.58, 0.9940)}),
    ('FADformer', 'fadformer', {'Rain200L': (41.80, 0.9906), 'Rain200H': (32.48, 0.9359),
                                'DDN-Data': (34.42, 0.9602), 'DID-Data': (35.48, 0.9657),
                                'SPA-Data': (49.21, 0.9934)}),
]
rows = [dict(label=label, config={d: f'configs/{prefix}_{_config_sets[d]}.py' for d in datasets},
             published=[value for d in datasets for value in published[d]])
        for label, prefix, published in _models]
