#!/usr/bin/env bash
# Quick start: set up (with test tools and Debian's Chromium for the browser test) and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
            || echo "warning: could not install chromium; browser tests will be skipped"
    else
        echo "warning: chromium is not installed (apt-get install chromium); browser tests will be skipped"
    fi
fi
.venv/bin/ruff check rag ui bench training tests
# The package's floors (pyproject.toml's [tool.importlinter]): nothing imports upward.
.venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest "$@"
