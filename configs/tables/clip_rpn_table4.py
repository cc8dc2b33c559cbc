# CLIP-RPN Table 4: parameters, MACs at 1x3x256x256 and test time, counted without
# training (derain_toolkit/reproduce/complexity.py) for the models of the table this
# toolkit has, then the toolkit's other models under the same conventions (not in the
# paper). Where ours differs from the paper's figure:
# - Param (M) counts every parameter (the official totals: Restormer 26,126,644), the
#   frozen CLIP of CLIP-RPN and DA-CLIP included (Trainable (M) leaves it out);
#   Table 4 prints thop 0.1.1's count, which skips custom LayerNorm affine parameters,
#   bare nn.Parameters (attention temperatures) and modules never called: compare it
#   with Param thop (M). DRSformer: 33,655,424 in all against thop's 33.63 M (its
#   LayerNorm affines, temperatures and top-k mixing weights); PromptIR: 35,592,263
#   against 32.97 M (its 2.38 M bare prompt parameters and 215,296 in six convolutions
#   its forward never calls, kept so the official checkpoint loads strictly).
# - MACs (G) counts the route the toolkit runs, CLIP's image tower included (4.4 G);
#   CLIP-RPN's 293.53 G is two U-Net + MGCA passes and no CLIP: its implementation runs
#   every route and its profiled forward holds no CLIP (MACs thop: every route, no
#   router; MACs all routes: every route and the router).
# - MACs thop (G) reproduces thop's counting; for MPRNet it includes thop's artefact: one
#   nn.PReLU shared by the network and hooked by each of its 55 parents is counted 55^2
#   times per call (548.65 G against 140.98 G of convolutions and linear layers, the
#   figure MACs (G) gives). DRSformer: thop's 220.37 G is 0.04 G over the convolutions
#   and linear layers (its element-wise operations); the paper's 220.38 G is 0.05 G over
#   ours, a difference we cannot explain (thop 0.1.1 on the official code gives 220.37 G).
# - Time: Table 4's is the total test time on the Mixed set on an RTX 4090; ours is one
#   1x3x256x256 inference on the machine at hand (named under the table): not compared.
#   The diffusion rows (100 reverse steps at 256x256) are not timed (minutes on a CPU).
paper = 'CLIP-RPN'
table = 'Table 4'
caption = ('Comparison of parameter count, computational complexity, and inference time across '
           'different models.')
kind = 'complexity'
shape = (1, 3, 256, 256)
repeats = 1
untimed = ['IR-SDE (not in the paper)', 'IR-SDE with DA-CLIP (not in the paper)']
datasets = ['256x256']
metrics = ['Param (M)', 'Trainable (M)', 'Param thop (M)', 'MACs (G)', 'MACs all routes (G)', 'MACs thop (G)',
           'MACs total (G)', 'Time (s)']
uncompared = ['Time (s)']
average = False
decimals = {m: 2 for m in metrics}
plot = dict(kind='bars')
note = ('Time (s): ours is one 1x3x256x256 inference on this machine; the paper\'s is the total test time on '
        'the Mixed set on an RTX 4090 (not compared). MACs total (G) adds the attention matrix products, which '
        'no convention of Table 4 counts.')


def _paper(params, macs, seconds):
    # one published number per column: Table 4's params beside the three parameter counts, its MACs
    # beside the three conventions that can reproduce it, none for the attention total
    return [params, params, params, macs, macs, macs, None, seconds]


# (label, config, Table 4's Param (M), MACs (G), Time (s) or None)
_models = [
    ('PReNet', 'configs/prenet_mixed.py', (0.17, 66.25, 13.81)),
    ('MPRNet', 'configs/mprnet_mixed.py', (3.64, 548.65, 17.29)),
    ('Restormer', 'configs/restormer_mixed.py', (26.10, 140.99, 26.07)),
    ('DRSformer', 'configs/drsformer_mixed.py', (33.63, 220.38, 69.57)),
    ('PromptIR', 'configs/promptir_mixed.py', (32.97, 158.14, 27.53)),
    ('CLIP-RPN', 'configs/clip_rpn_mixed.py', (32.72, 293.53, 76.90)),
    ('DDSA (not in the paper)', 'configs/ddsa_rain13k.py', None),
    ('IR-SDE (not in the paper)', 'configs/irsde_rain100h.py', None),
    ('IR-SDE with DA-CLIP (not in the paper)', 'configs/irsde_daclip_rain100h.py', None),
]
rows = [dict(label=label, config=config, published=None if paper is None else _paper(*paper))
        for label, config, paper in _models]
