"""First lines of every tool: make the repository importable and honour ``--device cpu``.

Standard library only: it must run before torch and mmengine are imported (see
``derain_toolkit/engine/runner_utils.py`` for why ``--device cpu`` cannot wait).
"""
import argparse
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def add_repo_to_path() -> None:
    """Let ``import derain_toolkit`` work from a checkout without ``pip install -e``."""
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)


def hide_gpus_if_cpu_requested(argv: list[str]) -> None:
    """Empty ``CUDA_VISIBLE_DEVICES`` when ``argv`` asks for ``--device cpu``."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--device', default='auto')
    known, _ = parser.parse_known_args(argv)
    if known.device == 'cpu':
        os.environ['CUDA_VISIBLE_DEVICES'] = ''


add_repo_to_path()
hide_gpus_if_cpu_requested(sys.argv[1:])
