"""Import the packages of the optional extras with a message that names the install command."""
import importlib
from types import ModuleType

EXTRAS = {'onnx': 'deploy', 'onnxruntime': 'deploy', 'onnxscript': 'deploy', 'gradio': 'demo'}


def require(module: str, purpose: str) -> ModuleType:
    """``import module``, or an ImportError saying which extra installs it.

    Args:
        module: A key of :data:`EXTRAS`.
        purpose: What needs it, for the message (``'ONNX export'``).
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f'{purpose} needs the optional package {module!r}, which is not installed; '
                          f'install it with: pip install -e .[{EXTRAS[module]}]') from None
