# IR-SDE on Rain100H with a smaller U-Net (not a paper row): the paper's text (DA-CLIP Sec. V-B,
# "removes all self-attention layers") on the DDPM widths, nf 64, channel multipliers
# (1, 2, 4, 8), no attention: 35,214,659 parameters instead of the official 137,147,523.
# Everything else as irsde_rain100h.py; official IR-SDE checkpoints do not fit this network.
_base_ = ['./irsde_rain100h.py']

model = dict(backbone=dict(ch_mult=(1, 2, 4, 8), attention='none'))
