#!/usr/bin/env bash
# Quick start: set up, build the demo index from the bundled articles, answer two questions,
# then serve the chat UI on http://127.0.0.1:7860 (Ctrl-C stops it; pass --no-ui to skip it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/rag index rag/data/articles
.venv/bin/rag ask "How many troops?"
echo
.venv/bin/rag ask "Why Tajikistan?"
if [ "${1:-}" != "--no-ui" ]; then
    echo
    exec .venv/bin/rag ui
fi
