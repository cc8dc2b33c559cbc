#!/usr/bin/env bash
# Download, on a machine with PyPI, the wheels that a bare GPU machine without registries needs to run
# scripts/gpu_check.sh with its own PyTorch (the lent H200s have Python 3.12, torch, timm, opencv,
# scikit-image, onnxruntime; not mmengine or open_clip): into .whl/ (ignored by git).
#   bash scripts/gpu_wheels.sh [PYTHON_VERSION]   (default 3.12)
set -euo pipefail
cd "$(dirname "$0")/.."
PYV=${1:-3.12}
mkdir -p .whl
EXCLUDE=$(git rev-parse --git-path info/exclude)
grep -qx '/.whl/' "$EXCLUDE" 2>/dev/null || echo '/.whl/' >> "$EXCLUDE"
python3 -m pip download -q --no-deps --only-binary=:all: --python-version "$PYV" --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform any -d .whl \
  mmengine==0.10.7 addict yapf termcolor open_clip_torch ftfy wcwidth 'thop==0.1.1.post2209072238'
ls .whl
