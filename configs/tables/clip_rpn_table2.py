# CLIP-RPN Table 2: the share (%) of each dataset's training images CLIP (ViT-B/32, OpenAI
# weights) routes to each prompt of the table's header (prompt set 'table2' of
# derain_toolkit/models/routers/prompts.py), images routed whole; no training
# (derain_toolkit/reproduce/perception.py). The paper's counts match the training splits
# (Mixed: the three training sets, 2700 images). Smoke budget: the tiny random CLIP on
# synthetic rain (not comparable); --budget paper: ViT-B/32 on the datasets.
paper = 'CLIP-RPN'
table = 'Table 2'
caption = 'CLIP perceives varying degrees of rain intensity (P1 light, P2 moderate, P3 heavy).'
kind = 'perception'
router = dict(type='CLIPRouter', model_name='ViT-B-32', pretrained='openai', prompts='table2')
split = 'train'
datasets = ['Share (%)']
metrics = ['P1', 'P2', 'P3']
average = False
decimals = {m: 2 for m in metrics}
plot = dict(kind='bars')
note = 'P1, P2, ...: the prompts of Table 2\'s header, in its order (PROMPT_SETS[\'table2\']).'
rows = [dict(label=name, config=f'configs/_base_/datasets/{name.lower()}.py', published=published)
        for name, published in (
            ('Rain800', [41.86, 20.71, 37.43]),
            ('Rain100H', [37.94, 5.94, 56.11]),
            ('Rain100L', [46.00, 12.50, 41.50]),
            ('Mixed', [39.56, 10.26, 50.19]),
        )]
