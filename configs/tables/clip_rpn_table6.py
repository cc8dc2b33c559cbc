# CLIP-RPN Table 6: the three prompt sets of Table 5 (routes: 3, 3, 2). One training per
# (row, column), as Table 3: the prompt-3 row equals CLIP-RPN's row of Table 3 in all ten
# cells, and Table 3 trains one model per dataset. Each row's config (written for Mixed)
# is trained and tested on each column's data (column_data); its Mixed column is Table 3's
# Mixed run and its prompt-3 row is configs/clip_rpn_<dataset>.py in every column.
paper = 'CLIP-RPN'
table = 'Table 6'
caption = 'Quantitative results of the proposed method with different prompts.'
datasets = ['Rain100L', 'Rain100H', 'Rain800', 'Mixed']
metrics = ['PSNR', 'SSIM']
average = True
protocol = 'per_column'
column_data = {d: f'configs/_base_/datasets/{d.lower()}.py' for d in datasets}
plot = dict(kind='bars')
rows = [
    dict(label='Prompt 1', config='configs/clip_rpn_ablations/table6_prompt1.py',
         published=[36.19, 0.9209, 29.51, 0.8382, 27.38, 0.7939, 32.13, 0.8635, 31.30, 0.8541]),
    dict(label='Prompt 2', config='configs/clip_rpn_ablations/table6_prompt2.py',
         published=[36.01, 0.9214, 29.63, 0.8421, 27.80, 0.8058, 32.39, 0.8663, 31.45, 0.8589]),
    dict(label='Prompt 3', config='configs/clip_rpn_ablations/table6_prompt3.py',
         published=[36.21, 0.9211, 29.66, 0.8423, 28.40, 0.8122, 32.42, 0.8671, 31.67, 0.8607]),
]
