"""Export a trained model's networks to ONNX, checked against PyTorch before anything is written.

Usage::

    python tools/export_onnx.py CONFIG CHECKPOINT --out FILE.onnx [--opset 18]

One-pass models (Restormer, DDSA, DRSformer, PromptIR, PReNet, MPRNet, CLIP-RPN with its CLIP
router and every route in one graph) give ``FILE.onnx``; IR-SDE gives its noise network, and
DA-CLIP also its image encoder in ``FILE.daclip.onnx`` (the sampler loop runs in Python).
Height and width are dynamic; inputs are padded to the network's multiple by the ONNX
Runtime backend, not in the graph. Details: ``derain_toolkit/deploy/onnx_export.py``.

The export is run by ONNX Runtime and PyTorch on probe inputs of two sizes; when an output
differs by more than ``--tolerance`` (max abs, [0, 1] units) nothing is written and the
tool names what differs (exit status 1). Use the file with
``python tools/derain.py CONFIG FILE.onnx IMAGES... --out DIR``. Needs ``pip install -e .[deploy]``.
"""
import argparse
import sys
from typing import Optional

import _bootstrap  # noqa: F401  (first: repository on sys.path)

from derain_toolkit.build import load_config
from derain_toolkit.deploy.onnx_export import DEFAULT_OPSET, TOLERANCE, ExportMismatch, export_onnx
from derain_toolkit.inference import load_model


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    """Command-line arguments of the export tool."""
    parser = argparse.ArgumentParser(description='Export a model to ONNX (checked against PyTorch).')
    parser.add_argument('config', help='config file the model was trained with')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='the .onnx file to write')
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET, help='ONNX opset (at least 18)')
    parser.add_argument('--tolerance', type=float, default=TOLERANCE,
                        help='largest max-abs difference from PyTorch accepted on the probes')
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the tool; returns the exit status (0: written, 1: the check failed, 2: cannot start)."""
    args = parse_args(argv)
    if not args.out.endswith('.onnx'):
        print(f'error: --out {args.out}: give a file name ending in .onnx', file=sys.stderr)
        return 2
    if args.opset < 18:
        print(f'error: --opset {args.opset}: the export needs opset 18 or later (anti-aliased Resize)',
              file=sys.stderr)
        return 2
    try:
        cfg = load_config(args.config)
        model = load_model(cfg, args.checkpoint, device='cpu')
        files = export_onnx(model, cfg, args.out, opset=args.opset, tolerance=args.tolerance)
    except ExportMismatch as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    except (FileNotFoundError, ValueError, KeyError, ImportError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    for file in files:
        print(f'wrote {file} (checked against PyTorch on two probe sizes)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
