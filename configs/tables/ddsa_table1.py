# DDSA paper Table 1: trained on Rain13K, tested on Test100, Rain100H, Rain100L, Test2800
# and Test1200; PSNR/SSIM on the Y channel; Average is the mean of the five sets. Rows:
# the models of the table this toolkit has (PReNet, MPRNet; the paper lists ten others),
# the paper's model ("Ours") and, as a reference the paper does not list, Restormer
# trained the same way (published numbers None).
paper = 'DDSA'
table = 'Table 1'
caption = 'Comparison of quantitative results on five benchmark datasets.'
datasets = ['Test100', 'Rain100H', 'Rain100L', 'Test2800', 'Test1200']
metrics = ['PSNR', 'SSIM']
protocol = 'per_row'  # one Rain13K model per row, tested on the five sets
average = True
train_set = 'Rain13K'
plot = dict(kind='bars')
decimals = dict(SSIM=3)
rows = [
    dict(label='PReNet', config='configs/prenet_rain13k.py',
         published=[24.81, 0.851, 26.77, 0.858, 32.44, 0.950, 31.75, 0.916, 31.36, 0.911, 29.43, 0.897]),
    dict(label='MPRNet', config='configs/mprnet_rain13k.py',
         published=[30.27, 0.897, 30.41, 0.890, 36.40, 0.965, 33.64, 0.938, 32.91, 0.916, 32.73, 0.921]),
    dict(label='DDSA (Ours)', config='configs/ddsa_rain13k.py',
         published=[31.69, 0.919, 30.90, 0.899, 37.93, 0.971, 34.03, 0.942, 32.11, 0.919, 33.33, 0.930]),
    dict(label='Restormer (not in the paper)', config='configs/restormer_rain13k.py', published=None),
]
