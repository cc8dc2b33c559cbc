"""derain-toolkit: a registry-driven PyTorch toolkit for single-image deraining."""
from derain_toolkit.build import build_model, load_config

__all__ = ['build_model', 'load_config']
__version__ = '0.1.0'
