# CLIP-RPN Table 11: DLS against the ℓ1, ℓ2 and Huber losses (the mask BCE of Eq. 15 is
# kept in every row). One training per (row, column), as Table 3: the DLS row equals
# CLIP-RPN's row of Table 3 in all ten cells (see clip_rpn_table6.py). Every run
# validates during training; the Mixed runs' curves are CLIP-RPN Fig. 6
# (curves.png beside the table).
paper = 'CLIP-RPN'
table = 'Table 11'
caption = 'Comparison results between the proposed DLS and commonly used l1, l2, and Huber losses.'
datasets = ['Rain100L', 'Rain100H', 'Rain800', 'Mixed']
metrics = ['PSNR', 'SSIM']
average = True
protocol = 'per_column'
column_data = {d: f'configs/_base_/datasets/{d.lower()}.py' for d in datasets}
plot = dict(kind='bars')
validation_curves = dict(dataset='Mixed', points=5, title='CLIP-RPN Fig. 6: Convergence curves of different losses')
rows = [
    dict(label='ℓ1', config='configs/clip_rpn_ablations/table11_l1.py',
         published=[36.14, 0.9223, 29.56, 0.8415, 28.12, 0.8056, 32.25, 0.8641, 31.52, 0.8584]),
    dict(label='ℓ2', config='configs/clip_rpn_ablations/table11_l2.py',
         published=[36.19, 0.9211, 29.45, 0.8375, 27.98, 0.8069, 32.18, 0.8636, 31.45, 0.8573]),
    dict(label='Huber', config='configs/clip_rpn_ablations/table11_huber.py',
         published=[36.16, 0.9209, 29.45, 0.8377, 27.93, 0.8052, 32.19, 0.8638, 31.43, 0.8569]),
    dict(label='DLS (ours)', config='configs/clip_rpn_ablations/table11_dls.py',
         published=[36.21, 0.9211, 29.66, 0.8423, 28.40, 0.8122, 32.42, 0.8671, 31.67, 0.8607]),
]
