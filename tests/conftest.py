"""Suite-wide settings: one torch thread per process.

Several tests start subprocesses (the tools, a 2-process torchrun); with torch's default
thread count they oversubscribe the cores and run many times slower.
"""
import torch

torch.set_num_threads(1)
