#!/usr/bin/env bash
# Set up the environment (scripts/setup_env.sh) and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
# The optional metrics extra (BRISQUE) builds libsvm from source: installed when a compiler is there,
# else its tests skip with the reason.
.venv/bin/python -m pip --disable-pip-version-check -q install -c requirements/constraints.txt -e ".[metrics]" \
  >/dev/null 2>&1 || echo "note: optional extra [metrics] (brisque) not installed (needs a C++ compiler); its tests skip"
# One worker per core (at most 4: each holds a torch process of ~1-2 GiB); -n 0 runs in this process.
exec .venv/bin/python -m pytest tests -q -n auto --maxprocesses 4 --maxschedchunk 1 "$@"
