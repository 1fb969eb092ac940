#!/usr/bin/env bash
# Mutation testing of the core modules with mutmut 3, outside CI: nice'd, one module at a time, resumable.
#
#   scripts/mutation.sh [MODULE...]        e.g. scripts/mutation.sh followup dates quotable
#   scripts/mutation.sh --background ...    the same, detached; its log is .mutation/run.log
#
# Each module runs in its own scratch copy of the repository, .mutation/MODULE/ (git-ignored), where mutmut
# mutates only that module and runs only the tests listed for it below (its own test file, so a run takes
# minutes, not hours). mutmut keeps every mutant's result in .mutation/MODULE/mutants/, so running the same
# module again resumes: only mutants without a result (or whose code changed) run again; delete the folder
# to start over. At the end the module's score (killed / (killed + survived + timeouts)) is written into the
# table in docs/testing.md with the command and the date. List survivors with
# `cd .mutation/MODULE && mutmut results` and read one with `mutmut show NAME`.
#
# Environment: PYTHON (default: the venv's python next to this repository's .venv, else python3),
# MUTMUT_CHILDREN (parallel workers, default 1: the machine's cores are shared), MUTMUT_MAX_MINUTES
# (default 15: a module still running then is stopped; run it again to resume).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  for candidate in "$ROOT/.venv/bin/python" "$ROOT/../main/.venv/bin/python" "$(command -v python3)"; do
    if [[ -x "$candidate" ]]; then PYTHON="$candidate"; break; fi
  done
fi
MUTMUT="$(dirname "$PYTHON")/mutmut"
CHILDREN="${MUTMUT_CHILDREN:-1}"
MAX_MINUTES="${MUTMUT_MAX_MINUTES:-15}"

# module -> "source file|pytest selection" (paths relative to the repository root; -k/-m narrow a file, shell-quoted).
declare -A TESTS=(
  [answering]="rag/_answering.py|tests/test_answering.py"
  [statements]="rag/_statements.py|tests/test_statements.py tests/test_answering.py"
  [fetch]="rag/_fetch.py|tests/test_fetch.py tests/test_feeds.py"
  [citations]="rag/_citations.py|tests/test_answering.py tests/test_news.py"
  [quotable]="rag/_quotable.py|tests/test_reader.py -k 'quotable or after_headline'"
  [dates]="rag/_dates.py|tests/test_dates.py"
  [syndication]="rag/_syndication.py|tests/test_syndication.py tests/test_index.py -k 'copy_groups or dated_original or signature'"
  [retrieval]="rag/_retrieval.py|tests/test_retrieval.py"
  [chunking]="rag/_chunking.py|tests/test_chunking.py"
  [ingest]="rag/_ingest.py|tests/test_index.py -k 'not several_threads and not bounded_per_byte and not corrupt and not truncated and not other_embedding_model and not changed_chunker and not sha256 and not generation_that and not eval_never and not readable_by_other and not write_atomic and not encode_with_spans and not missing_index and not datasketch and not dated_original and not copy_groups_of_short'"
  [stores]="rag/stores/_local.py|tests/test_stores.py tests/test_index.py -k 'test_local_store or false_corrupt'"
  [loading]="rag/_loading.py|tests/test_loading.py"
  [text]="rag/_text.py|tests/test_text.py"
  [followup]="rag/_followup.py|tests/test_followup.py -k 'not through_ask'"
  [generative]="rag/_generative.py|tests/test_generative.py"
  [config]="rag/_config.py|tests/test_config.py"
  [quotes]="rag/_quotes.py|tests/test_quotes.py tests/test_entities.py"
  [overview]="rag/_overview.py|tests/test_overview.py"
  # numbered: the names read and the rule's cases, called directly; the test that builds an index is left out.
  [numbered]="rag/_numbered.py|tests/test_numbered.py -k 'not first_flight'"
  # counting: the parser's checks called directly; the one test that builds an index and asks is left out.
  # money, levels, moves, holders, events, pending, naming, attribution, kinds: each rule's cases called directly; the tests that build an index are left out.
  [money]="rag/_money.py|tests/test_money.py -k 'not count_never'"
  [levels]="rag/_levels.py|tests/test_levels.py -k 'not change_never'"
  [moves]="rag/_moves.py|tests/test_moves.py -k 'not rise_never'"
  [holders]="rag/_holders.py|tests/test_holders.py -k 'not chief_never and not own_name and not without_its_body'"
  [events]="rag/_events.py|tests/test_events.py -k 'not winner_never'"
  [pending]="rag/_pending.py|tests/test_pending.py -k 'not preview_never'"
  [attribution]="rag/_attribution.py|tests/test_attribution.py -k 'not what_happened'"
  [kinds]="rag/_kinds.py|tests/test_kinds.py -k 'not never_names and not never_answer_how_big and not crowd_never'"
  [naming]="rag/_naming.py|tests/test_naming.py -k 'not the_name_answers'"
  [counting]="rag/_counting.py|tests/test_counting.py -k 'not quoted_for_the_asked_one and not dead_never'"
  # cli: the in-process tests only; those that run `rag` in a subprocess are invisible to mutmut's trampolines.
  [cli]="rag/cli.py|tests/test_cli.py -k 'not (first_ask or errors_are_one_line or misspelled or invalid_utf8 or escape_sequences or password_in_llm or forge or mistyped_path or a_closed_pipe_ends_quietly or index_ask_info or share_a_title or json_names_each)'"
  # ui: the app built and its handlers called in process; the served app's tests (a server, a browser) are left out.
  [ui]="ui/app.py|tests/test_ui.py tests/test_ui_feeds.py::test_feed_lines_and_the_sources_list_keep_feed_text_inert tests/test_ui_safe.py::test_own_temp_dir_drops_what_a_killed_process_left -m 'not browser' -k 'not (concurrent_chat or short_answer_comes_first or gradio6_history or uploading_two or leave_no_copy)'"
)

usage() { echo "usage: scripts/mutation.sh [--background] MODULE... (modules: ${!TESTS[*]})" >&2; exit 2; }

if [[ "${1:-}" == "--background" ]]; then
  shift
  mkdir -p "$ROOT/.mutation"
  nohup nice -n 19 "$0" "$@" > "$ROOT/.mutation/run.log" 2>&1 &
  echo "started (pid $!): tail -f .mutation/run.log"
  exit 0
fi
[[ $# -gt 0 ]] || usage
for module in "$@"; do [[ -n "${TESTS[$module]:-}" ]] || { echo "unknown module: $module" >&2; usage; }; done

run_module() {
  local module="$1" source="${TESTS[$1]%%|*}" selection="${TESTS[$1]#*|}"
  local work="$ROOT/.mutation/$module"
  mkdir -p "$work"
  # A fresh copy of the code and tests each time (mutmut's own results in mutants/ are kept, hence resumable).
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard -- rag ui training tests bench pyproject.toml README.md \
     | tar --null -T - -cf - | tar -xf - -C "$work")
  "$PYTHON" - "$work/pyproject.toml" "$source" "$selection" <<'PY'
import re, shlex, sys
path, source, selection = sys.argv[1:]
words = shlex.split(selection)
tests = [w for w in words if not w.startswith("-") and "/" in w]
select = [w for w in words if w not in tests]  # -k EXPR, -m EXPR
text = open(path, encoding="utf-8").read()
text = re.sub(r"\n\[tool\.mutmut\]\n(?:[^\[].*\n|\n)*", "\n", text)
text += (
    "\n[tool.mutmut]\n"
    f"source_paths = [{source.split('/')[0]!r}]\n"
    f"only_mutate = [{source!r}]\n"
    'also_copy = ["training", "ui", "rag", "bench", "README.md"]\n'
    f"pytest_add_cli_args_test_selection = {tests + select!r}\n"
    'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "--no-header", "-o", "addopts=-ra --strict-markers"]\n'
)
open(path, "w", encoding="utf-8").write(text)
# Every mutant runs its own pytest session, and the suite's conftest gives each session a fresh model cache:
# exporting the ONNX model again (about 10 s on several threads) then passes mutmut's CPU limit for mutants
# only cheap tests reach, which count as timeouts (caught) without a verdict. Here alone, sessions share the
# scratch copy's cache (RAG_CACHE_DIR below).
conftest = path.replace("pyproject.toml", "tests/conftest.py")
fresh = 'os.environ["RAG_CACHE_DIR"] = tempfile.mkdtemp(prefix="rag-cache-")'
code = open(conftest, encoding="utf-8").read()
if fresh not in code:
    sys.exit(f"scripts/mutation.sh: {conftest} no longer sets RAG_CACHE_DIR as expected; update the script")
code = code.replace(fresh, 'os.environ.setdefault("RAG_CACHE_DIR", tempfile.mkdtemp(prefix="rag-cache-"))')
# mutmut runs a mutant's tests with -x in the order it lists them (a set's): the quickest first, as its stats timed
# them, so that a caught mutant mostly costs one quick test, not whichever slow one came first.
code += """

def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    \"\"\"scripts/mutation.sh: the quickest tests first (mutmut-stats.json's times; a new test counts as quick).\"\"\"
    import json
    from pathlib import Path

    stats = Path("mutmut-stats.json")
    took = json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {}) if stats.exists() else {}
    items.sort(key=lambda item: took.get(item.nodeid, 0.0))
"""
# mutmut forks each mutant's run from a process that has run the tests once, and a child forked after FAISS's
# OpenMP pool started (rag/_ann.py sets it to the machine's cores to build) hangs in its next parallel region:
# libgomp is not fork-safe. Those mutants ended as timeouts, counted as caught without a verdict. Here alone,
# FAISS keeps one thread (no pool, nothing to hang on).
code += """

import faiss as _faiss  # noqa: E402  (scripts/mutation.sh)

_faiss_threads = _faiss.omp_set_num_threads
_faiss.omp_set_num_threads = lambda _n: _faiss_threads(1)
_faiss_threads(1)
"""
open(conftest, "w", encoding="utf-8").write(code)
PY
  echo "== $module: mutating $source, tests: $selection"
  local started=$SECONDS status=0
  # OMP_NUM_THREADS=1 (and the conftest's one-thread FAISS above): see there.
  (cd "$work" && RAG_CACHE_DIR="$work/.rag-cache" OMP_NUM_THREADS=1 timeout --signal=INT "$((MAX_MINUTES * 60))" \
      nice -n 19 "$MUTMUT" run --max-children "$CHILDREN") || status=$?
  if [[ $status -eq 124 || $status -eq 130 ]]; then
    echo "== $module: stopped after $MAX_MINUTES minutes; run it again to resume"
  fi
  (cd "$work" && "$MUTMUT" export-cicd-stats >/dev/null)
  "$PYTHON" "$ROOT/scripts/mutation_score.py" "$module" "$source" "$selection" "$work/mutants/mutmut-cicd-stats.json" \
      "$((SECONDS - started))" "$ROOT/docs/testing.md" || echo "== $module: no score written"  # the next module still runs
}

for module in "$@"; do run_module "$module"; done
