#!/usr/bin/env bash
# Creates .venv and installs the project (and, with --dev, the test tools).
# Safe to re-run: pip skips what is already installed and reuses its wheel cache.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# The CPU torch first, from the wheel on this machine's disk; anything else would pull CUDA.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
if [ "${1:-}" = "--dev" ]; then
    .venv/bin/python -m pip install --quiet -e ".[dev]"
else
    .venv/bin/python -m pip install --quiet -e .
fi
