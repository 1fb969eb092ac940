#!/usr/bin/env bash
# Quick start: set up, answer a question from the two bundled articles (index/default, built on first use),
# index the fictional dated sample news into index/sample-news and ask it about dates, sources that differ
# and a timeline, then serve the chat UI on it at http://127.0.0.1:7860 (Ctrl-C stops it; --no-ui skips it).
# Nothing is indexed into an existing index/default: the demo never mixes into an index of your own.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/rag ask "How many troops?"
echo
.venv/bin/rag index rag/data/sample-news --index index/sample-news
echo
.venv/bin/rag ask "How many people were killed in the earthquake?" --index index/sample-news
echo
.venv/bin/rag ask "How many vehicles were recalled?" --as-of 2024-01-01 --index index/sample-news
echo
.venv/bin/rag timeline "carmaker recall" --index index/sample-news
if [ "${1:-}" != "--no-ui" ]; then
    echo
    exec .venv/bin/rag ui --index index/sample-news
fi
