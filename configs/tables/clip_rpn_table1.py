# CLIP-RPN Table 1: the share (%) of each dataset's training images CLIP (ViT-B/32, OpenAI
# weights) routes to each prompt of the table's header (prompt set 'table1' of
# derain_toolkit/models/routers/prompts.py), images routed whole; no training
# (derain_toolkit/reproduce/perception.py). The paper's counts match the training splits
# (Mixed: the three training sets, 2700 images). Smoke budget: the tiny random CLIP on
# synthetic rain (not comparable); --budget paper: ViT-B/32 on the datasets.
paper = 'CLIP-RPN'
table = 'Table 1'
caption = 'CLIP is capable of perceiving the presence of rain (P1: rain effect, P2: almost no rain).'
kind = 'perception'
router = dict(type='CLIPRouter', model_name='ViT-B-32', pretrained='openai', prompts='table1')
split = 'train'
datasets = ['Share (%)']
metrics = ['P1', 'P2']
average = False
decimals = {m: 2 for m in metrics}
plot = dict(kind='bars')
note = 'P1, P2, ...: the prompts of Table 1\'s header, in its order (PROMPT_SETS[\'table1\']).'
rows = [dict(label=name, config=f'configs/_base_/datasets/{name.lower()}.py', published=published)
        for name, published in (
            ('Rain800', [94.86, 5.14]),
            ('Rain100H', [99.50, 0.50]),
            ('Rain100L', [92.50, 7.50]),
            ('Mixed', [97.78, 2.22]),
        )]
