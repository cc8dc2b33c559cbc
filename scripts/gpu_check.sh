#!/usr/bin/env bash
# Everything this toolkit needs checked on a GPU, in one command of at most ~10 minutes on one GPU:
#   bash scripts/gpu_check.sh [OUT_DIR]        (default work_dirs/gpu_check)
# 1. the tests with CUDA variants (pytest -m cuda; they skip on a CPU machine),
# 2. one full-size training step per paper config at the recipe's per-GPU batch, --precision auto
#    (bf16 where the GPU has it): steady-state seconds per step and peak memory,
# 3. training memory with and without activation checkpointing at the recipes' patches, measured,
# 4. inference time per 256² and 1024² image against the official Restormer (when OFFICIAL points at
#    its restormer_arch.py, e.g. OFFICIAL=.official/restormer_arch.py carried beside the tree),
# 5. DDP over every GPU present (torchrun, NCCL) on the tiny config,
# 6. ONNX Runtime's CUDA provider, if onnxruntime-gpu is installed,
# 7. torch.compile against eager: the Restormer's inference at 256² (and its training step when OFFICIAL is set),
# then writes OUT_DIR/cuda_section.md, the CUDA section of docs/benchmarks.md (paste it there).
# Python: .venv if this checkout has one, else python3; a bare machine without the registries gets
# the missing packages from .whl/ (made on a networked machine by scripts/gpu_wheels.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR=${1:-work_dirs/gpu_check}
mkdir -p "$OUT_DIR"
PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
if [ -d .whl ] && ls .whl/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --no-compile --target /tmp/derain_site .whl/*.whl
  export PYTHONPATH=/tmp/derain_site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
if ! $PY -c 'import torch, sys; sys.exit(not torch.cuda.is_available())'; then
  echo 'gpu_check: torch sees no CUDA device here; nothing to check (run it on a GPU machine)' >&2
  exit 2
fi
GPUS=$($PY -c 'import torch; print(torch.cuda.device_count())')
status=0
run() {  # run NAME SECONDS COMMAND...: log to OUT_DIR/NAME.log, keep going on failure
  local name=$1 limit=$2; shift 2
  echo "== $name"
  timeout "$limit" "$@" 2>&1 | tee "$OUT_DIR/$name.log"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || { echo "== $name FAILED (exit $rc)"; status=1; }
}
nvidia-smi -L | tee "$OUT_DIR/gpus.txt"
$PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' | tee -a "$OUT_DIR/gpus.txt"
run cuda_tests 150 $PY -m pytest tests -m cuda -q -p no:randomly
run train_step 180 $PY benchmarks/paper_train_step.py --device cuda --precision auto --steps 5 --warmup 2 \
  --out "$OUT_DIR/train_step.md"
run train_memory 120 $PY benchmarks/train_memory.py --device cuda --configs restormer_rain13k.py irsde_rain100h.py \
  --patches 128 256 384 --batches 1 2 --time-patch 128 --time-batch 8 --repeats 3
if [ -n "${OFFICIAL:-}" ]; then
  for size in 256 1024; do
    run "inference_$size" 90 $PY benchmarks/official_restormer.py --official "$OFFICIAL" --device cuda \
      --size "$size" --repeats 5
  done
else
  echo '== inference: skipped (set OFFICIAL=path/to/restormer_arch.py to time the official Restormer too)'
  run inference 90 $PY benchmarks/forward_speed_memory.py --device cuda --repeats 5
fi
run ddp 120 $PY -m torch.distributed.run --nproc_per_node "$GPUS" tools/train.py configs/restormer_tiny_synthetic.py \
  --launcher pytorch --device cuda --work-dir "$OUT_DIR/ddp" --cfg-options train_cfg.max_iters=20 \
  default_hooks.checkpoint.interval=20
run compile_inference 180 $PY benchmarks/forward_speed_memory.py --device cuda --configs configs/restormer_rain13k.py \
  --sizes 256 --repeats 5 --compile
if [ -n "${OFFICIAL:-}" ]; then
  run compile_train_step 240 $PY benchmarks/train_step.py --official "$OFFICIAL" --models ours --device cuda \
    --batch 8 --patch 128 --repeats 5 --compile
fi
if $PY -c 'import onnxruntime as o, sys; sys.exit("CUDAExecutionProvider" not in o.get_available_providers())' 2>/dev/null; then
  run onnx_cuda 90 $PY benchmarks/onnx_runtime.py --device cuda
else
  echo '== onnx_cuda: skipped (onnxruntime with CUDAExecutionProvider is not installed)'
fi
{
  echo "## CUDA ($(head -1 "$OUT_DIR/gpus.txt"))"
  echo
  echo "Measured by \`bash scripts/gpu_check.sh\` on $(date -u +%Y-%m-%d); $(tail -1 "$OUT_DIR/gpus.txt")."
  for name in train_step train_memory inference inference_256 inference_1024 compile_inference compile_train_step \
      onnx_cuda; do
    [ -f "$OUT_DIR/$name.log" ] || continue
    echo; echo "### $name"; echo
    grep -E '^(\||#|[A-Z].*:)' "$OUT_DIR/$name.log" | grep -v WARNING
  done
  echo; echo "### tests with CUDA variants"; echo
  tail -1 "$OUT_DIR/cuda_tests.log"
  echo; echo "### DDP over $GPUS GPU(s)"; echo
  grep -E 'Distributed training|dist_cfg|Iter\(train\) \[20' "$OUT_DIR/ddp.log" | tail -3
} > "$OUT_DIR/cuda_section.md"
echo "gpu_check: wrote $OUT_DIR/cuda_section.md (exit $status)"
exit $status
