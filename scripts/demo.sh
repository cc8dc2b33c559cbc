#!/usr/bin/env bash
# The main job on the embedded default, no downloads: set up the environment, train a
# tiny model on synthetic rain, test it, and print PSNR/SSIM of the rainy input and of
# the derained output.   Usage: bash scripts/demo.sh [CONFIG] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:-configs/restormer_tiny_synthetic.py}
WORK_DIR=${2:-work_dirs/demo/$(basename "$CONFIG" .py)}
bash scripts/setup_env.sh
.venv/bin/python tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
CHECKPOINT=$(cat "$WORK_DIR/last_checkpoint")
.venv/bin/python tools/test.py "$CONFIG" "$CHECKPOINT" --out "$WORK_DIR/test"
echo
echo "Synthetic test set, rainy input (PSNR_input, SSIM_input) vs derained output (PSNR, SSIM):"
cat "$WORK_DIR/test/metrics.md"
echo "Derained images: $WORK_DIR/test/images"
