# IR-SDE with DA-CLIP on Rain100H, tested with the MR Sampler (Li et al., ICLR 2025,
# arXiv 2502.07856) at 10 network evaluations instead of the posterior sampler's 100: the
# second-order data-prediction ODE solver of the official option file (mrsampler.yml, which
# takes 20 steps), same network and training. Equivalent on the command line:
# --cfg-options model.generator.sampler.type=MRSampler model.generator.sampler.steps=10
_base_ = ['./irsde_daclip_rain100h.py']

model = dict(generator=dict(sampler=dict(type='MRSampler', steps=10, solver='ode', order=2, prediction='data')))
