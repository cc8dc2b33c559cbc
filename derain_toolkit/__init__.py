"""derain-toolkit: a registry-driven PyTorch toolkit for single-image deraining."""
from derain_toolkit.build import build_model, load_config
from derain_toolkit.checkpoints import safe_checkpoint  # noqa: F401  (resume on torch>=2.6, STYLE.md)

__all__ = ['build_model', 'load_config']
__version__ = '0.1.0'
