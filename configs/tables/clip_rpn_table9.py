# CLIP-RPN Table 9: the share (%) of each dataset's training images CLIP (ViT-B/32, OpenAI
# weights) routes to each prompt of the table's header (prompt set 'table9' of
# derain_toolkit/models/routers/prompts.py), images routed whole; no training
# (derain_toolkit/reproduce/perception.py). The paper's counts match the training splits
# (Mixed: the three training sets, 2700 images). Smoke budget: the tiny random CLIP on
# synthetic rain (not comparable); --budget paper: ViT-B/32 on the datasets.
paper = 'CLIP-RPN'
table = 'Table 9'
caption = ('Analysis of rain intensity distribution across different datasets using CLIP-based prompt '
           'evaluation (Prompt 3 from Table 5).')
kind = 'perception'
router = dict(type='CLIPRouter', model_name='ViT-B-32', pretrained='openai', prompts='table9')
split = 'train'
datasets = ['Share (%)']
metrics = ['P1', 'P2']
average = False
decimals = {m: 2 for m in metrics}
plot = dict(kind='bars')
note = 'P1, P2, ...: the prompts of Table 9\'s header, in its order (PROMPT_SETS[\'table9\']).'
rows = [dict(label=name, config=f'configs/_base_/datasets/{name.lower()}.py', published=published)
        for name, published in (
            ('Rain800', [18.00, 82.00]),
            ('Rain100H', [6.11, 93.89]),
            ('Rain100L', [29.50, 70.50]),
            ('Mixed', [10.93, 89.07]),
        )]
