#!/usr/bin/env bash
# The main job on the embedded default, no downloads: set up the environment, train a
# tiny model on synthetic rain, test it, and print PSNR/SSIM of the rainy input and of
# the derained output.   Usage: bash scripts/demo.sh [CONFIG] [WORK_DIR]
#
# Threads: one torch/OpenMP thread unless OMP_NUM_THREADS is set. The tiny networks are too
# small for a second thread to pay off, and on a CPU shared with other jobs torch's default
# (one thread per core) oversubscribes it: the demo took 17 minutes that way under load
# against 1.5 minutes with one thread (issue 16). Set OMP_NUM_THREADS=2 on an idle machine.
#
# The terminal gets a short log (progress every logged iteration, the final table); the full
# logs (mmengine's environment, config, hooks, warnings) are in WORK_DIR/train.log,
# WORK_DIR/test.log and mmengine's WORK_DIR/<timestamp>/ folders.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:-configs/restormer_tiny_synthetic.py}
WORK_DIR=${2:-work_dirs/demo/$(basename "$CONFIG" .py)}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
mkdir -p "$WORK_DIR"
bash scripts/setup_env.sh
# run LOG CMD...: the command's whole output goes to LOG; the terminal sees only its progress lines,
# shortened to "Iter(train) [ 50/600] ... eta ... loss ...". On failure, the end of LOG is shown.
# The log exists before tail follows it (tail -F exits 1 at the end if the file was ever missing) and the
# display pipeline's status is ignored: the command's own status, from wait, decides.
run() {
  local log=$1; shift
  : >"$log"
  if ! "$@" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "failed; full log: $log" >&2
    exit 1
  fi &
  local pid=$!
  tail -n +1 -F --pid=$pid "$log" 2>/dev/null \
    | grep --line-buffered -E 'Iter\(train\)|Iter\(val\) \[|Epoch\(val\)|Saving checkpoint|precision:' \
    | sed -u -E 's/^.* - mmengine - [A-Z]+ - //; s/  (lr|time|data_time|memory): [^ ]+//g' || true
  wait $pid
}
echo "Training $CONFIG on synthetic rain with $OMP_NUM_THREADS thread(s); full log: $WORK_DIR/train.log"
run "$WORK_DIR/train.log" .venv/bin/python tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
CHECKPOINT=$(cat "$WORK_DIR/last_checkpoint")  # relative to the work dir (older runs wrote absolute paths)
case "$CHECKPOINT" in /*) ;; *) CHECKPOINT="$WORK_DIR/$CHECKPOINT" ;; esac
echo "Testing $CHECKPOINT; full log: $WORK_DIR/test.log"
run "$WORK_DIR/test.log" .venv/bin/python tools/test.py "$CONFIG" "$CHECKPOINT" --out "$WORK_DIR/test"
echo
echo "Synthetic test set, rainy input (PSNR_input, SSIM_input) vs derained output (PSNR, SSIM):"
cat "$WORK_DIR/test/metrics.md"
echo "Derained images: $WORK_DIR/test/images"
