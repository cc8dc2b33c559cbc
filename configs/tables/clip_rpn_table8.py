# CLIP-RPN Table 8: the share (%) of each dataset's training images CLIP (ViT-B/32, OpenAI
# weights) routes to each prompt of the table's header (prompt set 'table8' of
# derain_toolkit/models/routers/prompts.py), images routed whole; no training
# (derain_toolkit/reproduce/perception.py). The paper's counts match the training splits
# (Mixed: the three training sets, 2700 images). Smoke budget: the tiny random CLIP on
# synthetic rain (not comparable); --budget paper: ViT-B/32 on the datasets.
paper = 'CLIP-RPN'
table = 'Table 8'
caption = ('Analysis of rain intensity distribution across different datasets using CLIP-based prompt '
           'evaluation (Prompt 2 from Table 5).')
kind = 'perception'
router = dict(type='CLIPRouter', model_name='ViT-B-32', pretrained='openai', prompts='table8')
split = 'train'
datasets = ['Share (%)']
metrics = ['P1', 'P2', 'P3']
average = False
decimals = {m: 2 for m in metrics}
plot = dict(kind='bars')
note = 'P1, P2, ...: the prompts of Table 8\'s header, in its order (PROMPT_SETS[\'table8\']).'
rows = [dict(label=name, config=f'configs/_base_/datasets/{name.lower()}.py', published=published)
        for name, published in (
            ('Rain800', [21.71, 4.86, 73.43]),
            ('Rain100H', [6.94, 8.39, 84.67]),
            ('Rain100L', [24.00, 8.50, 67.50]),
            ('Mixed', [12.04, 7.48, 80.48]),
        )]
