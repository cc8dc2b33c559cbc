#!/usr/bin/env bash
# Create .venv (if needed) and install derain-toolkit into it from this checkout.
# torch/torchvision go first, then everything else with them pinned as constraints.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
PIP=".venv/bin/python -m pip --disable-pip-version-check -q"
# pip notes every package missing from the extra local indexes; keep only real messages.
quiet() { grep -v "is ignored: it is neither" || true; }
if ! .venv/bin/python -c "import torch, torchvision, sys; sys.exit(not (torch.__version__.startswith('2.14.1') and torchvision.__version__.startswith('0.29.1')))" 2>/dev/null; then
  $PIP install "setuptools<81" wheel 2>&1 | quiet
  $PIP install torch==2.14.1 torchvision==0.29.1 2>&1 | quiet
fi
$PIP install -c requirements/constraints.txt -e ".[test,deploy,demo]" 2>&1 | quiet
# The demo page's browser test drives Debian's Chromium (Playwright's own download is not reachable).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1 \
      || echo "warning: apt-get could not install chromium + chromium-driver; the browser test will be skipped" >&2
  else
    echo "warning: chromium + chromium-driver are missing (apt-get install chromium chromium-driver); the browser test will be skipped" >&2
  fi
fi
.venv/bin/python -c "import torch, torchvision, mmengine, open_clip, timm, cv2, onnxruntime, gradio, derain_toolkit; print(f'derain-toolkit {derain_toolkit.__version__}: torch {torch.__version__}, torchvision {torchvision.__version__}, mmengine {mmengine.__version__}')"
