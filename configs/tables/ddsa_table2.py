# DDSA paper Table 2: NIQE and BRISQUE (no reference, lower is better) of real rainy
# photos and of each model's output; the models are those of Table 1, trained on Rain13K
# (Sec. 3.1). Rows: the models of the table this toolkit has (the paper also lists MSPFN,
# DGUNet, Uformer-B and IDT) and Restormer (not in the paper); the rainy photos are the
# reference row ("Rainy Image"). The paper's photos are the real-world set of its [7]
# (Yang et al.); put yours in data/RealRain/ (any image files). They have no clean image:
# the folder is read as pairs of each photo with itself, and NIQE/BRISQUE never read the
# "clean" one. Small budgets test on synthetic rain instead (192x192: NIQE needs 96x96
# blocks), not real photos. BRISQUE uses the brisque package's regressor, not MATLAB's
# (derain_toolkit/evaluation/brisque_metric.py): not comparable to the paper to the point.
paper = 'DDSA'
table = 'Table 2'
caption = 'Comparison of quantitative results on real-world rainy images, lower scores indicate better image quality.'
datasets = ['Real']
metrics = ['NIQE', 'BRISQUE']
lower_is_better = ['NIQE', 'BRISQUE']
average = False
protocol = 'per_row'
train_set = 'Rain13K'
synthetic_test_size = 192
decimals = dict(NIQE=3, BRISQUE=3)
plot = dict(kind='bars')
cfg_options = dict(
    test_dataloader=dict(
        _delete_=True, batch_size=1, num_workers=1, sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(type='PairedRainDataset', data_root='data/RealRain', layout='input_target', rain_dir='.',
                     gt_dir='.', name='Real', pipeline=[dict(type='PairedToTensor')])),
    test_evaluator=[dict(type='NIQEMetric'), dict(type='BRISQUEMetric')],
    test_cfg=dict(_delete_=True, type='TestLoop'))
input_row = dict(label='Rainy image', published=[5.961, 34.147])
rows = [
    dict(label='MPRNet', config='configs/mprnet_rain13k.py', published=[4.821, 32.116]),
    dict(label='DDSA (Ours)', config='configs/ddsa_rain13k.py', published=[4.006, 24.773]),
    dict(label='Restormer (not in the paper)', config='configs/restormer_rain13k.py', published=None),
]
