#!/usr/bin/env bash
# Set up the environment (scripts/setup_env.sh) and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
exec .venv/bin/python -m pytest tests -q "$@"
