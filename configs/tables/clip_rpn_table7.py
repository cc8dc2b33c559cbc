# CLIP-RPN Table 7: the share (%) of each dataset's training images CLIP (ViT-B/32, OpenAI
# weights) routes to each prompt of the table's header (prompt set 'table7' of
# derain_toolkit/models/routers/prompts.py), images routed whole; no training
# (derain_toolkit/reproduce/perception.py). The paper's counts match the training splits
# (Mixed: the three training sets, 2700 images). Smoke budget: the tiny random CLIP on
# synthetic rain (not comparable); --budget paper: ViT-B/32 on the datasets.
paper = 'CLIP-RPN'
table = 'Table 7'
caption = ('Analysis of rain intensity distribution across different datasets using CLIP-based prompt '
           'evaluation (Prompt 1 from Table 5).')
kind = 'perception'
router = dict(type='CLIPRouter', model_name='ViT-B-32', pretrained='openai', prompts='table7')
split = 'train'
datasets = ['Share (%)']
metrics = ['P1', 'P2', 'P3']
average = False
decimals = {m: 2 for m in metrics}
plot = dict(kind='bars')
note = 'P1, P2, ...: the prompts of Table 7\'s header, in its order (PROMPT_SETS[\'table7\']).'
rows = [dict(label=name, config=f'configs/_base_/datasets/{name.lower()}.py', published=published)
        for name, published in (
            ('Rain800', [33.29, 0.86, 65.86]),
            ('Rain100H', [20.89, 0.00, 79.11]),
            ('Rain100L', [32.50, 0.00, 67.50]),
            ('Mixed', [24.96, 0.22, 74.81]),
        )]
