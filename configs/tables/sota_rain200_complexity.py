# FADformer Table 1 "Overhead": parameters and FLOPs at 256x256 of the sota_rain200 rows, counted
# without training (derain_toolkit/reproduce/complexity.py) on each model as configured for Rain200H.
# The published figures are thop's (FADformer models/test_Overhead.py: modules that run; "FLOPs" are
# thop's MACs), so they sit beside Param thop (M) and MACs thop (G) as well as the full counts:
# - FADformer: 7,435,737 parameters in all, 6,958,041 in the modules one inference runs (the paper's
#   6.958 M; Freq_Fusion.conv_mid is built but never called).
# - DRSformer: the Rain200H model (with MEFC); its Rain200L / SPA-Data models have none (32,610,304).
# - MPRNet: thop's 548.7 G includes its shared-PReLU artefact (see clip_rpn_table4.py).
# NeRD-Rain's table lists no overhead: its rows are measured without published figures.
paper = 'FADformer'
table = 'Table 1 (overhead)'
caption = 'Parameters and FLOPs (MACs) on a 256x256 patch.'
kind = 'complexity'
shape = (1, 3, 256, 256)
repeats = 1
datasets = ['256x256']
metrics = ['Param (M)', 'Param thop (M)', 'MACs (G)', 'MACs thop (G)', 'Time (s)']
uncompared = ['Time (s)']
average = False
decimals = {m: 3 for m in metrics}
plot = dict(kind='bars')
note = ('Published: FADformer Table 1 Overhead (#Param, FLOPs at 256x256; github.com/deng-ai-lab/FADformer '
        'figs/result.png). Time (s): one inference on this machine, not in the paper.')
# (label, config, (#Param (M), FLOPs (G)) of FADformer Table 1 or None)
_models = [
    ('PReNet', 'configs/prenet_rain200h.py', (0.169, 66.25)),
    ('MPRNet', 'configs/mprnet_rain200h.py', (3.637, 548.7)),
    ('Restormer', 'configs/restormer_rain200h.py', (26.10, 141.0)),
    ('DRSformer', 'configs/drsformer_rain200h.py', (33.70, 242.9)),
    ('NeRD-Rain-S', 'configs/nerdrain_s_rain200h.py', None),
    ('NeRD-Rain', 'configs/nerdrain_rain200h.py', None),
    ('FADformer', 'configs/fadformer_rain200h.py', (6.958, 48.51)),
]
rows = [dict(label=label, config=config,
             published=None if paper is None else [paper[0], paper[0], paper[1], paper[1], None])
        for label, config, paper in _models]
