#!/usr/bin/env bash
# Quick start: set up, build the demo index from the bundled articles, answer two questions.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/rag index rag/data/articles
.venv/bin/rag ask "How many troops?"
echo
.venv/bin/rag ask "Why Tajikistan?"
