# CLIP-RPN Table 10: ablation of the components (RPN = CLIP-driven rain perception /
# routing, MGCA = mask-guided cross-attention), trained and tested on the Mixed data.
# The check marks of the table are lost in the paper's text; the rows are read from
# Sec. 4.4.2: full model 32.42/0.8671, "removing the RPN module while keeping MGCA"
# 32.31/0.8656, removing MGCA while keeping RPN is "a more substantial degradation"
# (32.11/0.8635), and the baseline without both is the lowest PSNR (32.08/0.8640).
paper = 'CLIP-RPN'
table = 'Table 10'
caption = 'Ablation study of components.'
datasets = ['Mixed']
metrics = ['PSNR', 'SSIM']
protocol = 'per_row'  # one Mixed model per row (the only column)
average = False
plot = dict(kind='bars')
rows = [
    dict(label='RPN ✓, MGCA ✓', config='configs/clip_rpn_ablations/table10_rpn_mgca.py',
         published=[32.42, 0.8671]),
    dict(label='RPN ✗, MGCA ✓', config='configs/clip_rpn_ablations/table10_no_rpn.py',
         published=[32.31, 0.8656]),
    dict(label='RPN ✓, MGCA ✗', config='configs/clip_rpn_ablations/table10_no_mgca.py',
         published=[32.11, 0.8635]),
    dict(label='RPN ✗, MGCA ✗', config='configs/clip_rpn_ablations/table10_no_rpn_no_mgca.py',
         published=[32.08, 0.8640]),
]
