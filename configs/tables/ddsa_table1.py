# DDSA paper Table 1: trained on Rain13K, tested on Test100, Rain100H, Rain100L, Test2800
# and Test1200; PSNR/SSIM on the Y channel; Average is the mean of the five sets. Rows:
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
    dict(label='DDSA (Ours)', config='configs/ddsa_rain13k.py',
         published=[31.69, 0.919, 30.90, 0.899, 37.93, 0.971, 34.03, 0.942, 32.11, 0.919, 33.33, 0.930]),
    dict(label='Restormer (not in the paper)', config='configs/restormer_rain13k.py', published=None),
]
