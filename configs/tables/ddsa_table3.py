# DDSA paper Table 3: ablation on Rain100H of the attention (DSA dense, SSA top-k sparse,
# both = DDSA), the feed-forward body (MSFN = SEFN's Res2Net multi-scale body, or GDFN)
# and SEFN's spatial attention (SA). All models train on Rain13K (Sec. 3.1) and are
# tested on Rain100H.
paper = 'DDSA'
table = 'Table 3'
caption = 'Ablation study analysis on the Rain100H benchmark dataset.'
datasets = ['Rain100H']
metrics = ['PSNR', 'SSIM']
protocol = 'per_row'  # one Rain13K model per row, tested on Rain100H
average = False
train_set = 'Rain13K'
plot = dict(kind='bars')
decimals = dict(SSIM=3)
rows = [
    dict(label='(a) DSA, MSFN, SA', config='configs/ddsa_ablations/a_dsa.py', published=[28.68, 0.866]),
    dict(label='(b) SSA, MSFN, SA', config='configs/ddsa_ablations/b_ssa.py', published=[29.38, 0.882]),
    dict(label='(c) DSA+SSA, MSFN, SA', config='configs/ddsa_ablations/c_ddsa.py', published=[30.90, 0.899]),
    dict(label='(d) DSA+SSA, MSFN', config='configs/ddsa_ablations/d_no_sa.py', published=[28.96, 0.881]),
    dict(label='(e) DSA+SSA, GDFN, SA', config='configs/ddsa_ablations/e_gdfn_sa.py', published=[29.09, 0.881]),
]
