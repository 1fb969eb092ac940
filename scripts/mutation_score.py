"""Write one module's mutation score (from mutmut's export-cicd-stats JSON) into docs/testing.md's table.

Called by scripts/mutation.sh; the row of the module is replaced, the other rows are kept, sorted by module.

Usage:
    python scripts/mutation_score.py MODULE SOURCE SELECTION STATS_JSON SECONDS DOCS_MD
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

BEGIN = "<!-- mutation-scores:begin -->"
END = "<!-- mutation-scores:end -->"
HEADER = ("| module | source | tests run | mutants | killed | survived | timeout | not covered | score | minutes | date |\n"
          "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|")


def row(module: str, source: str, selection: str, stats: dict[str, int], seconds: int) -> str:
    """The table row; the score counts timeouts as caught and leaves mutants no test reaches out of neither side."""
    killed, survived, timeout = stats["killed"], stats["survived"], stats["timeout"]
    not_run = stats.get("check_was_interrupted_by_user", 0) + stats.get("skipped", 0)
    judged = killed + survived + timeout
    score = f"{100 * (killed + timeout) / judged:.1f}%" if judged else "n/a"
    if not_run:
        score += f" ({not_run} not run yet)"
    today = datetime.date.today().isoformat()
    return (f"| {module} | `{source}` | `{selection}` | {stats['total']} | {killed} | {survived} | {timeout} | "
            f"{stats['no_tests']} | {score} | {seconds / 60:.1f} | {today} |")


def main(argv: list[str]) -> int:
    module, source, selection, stats_path, seconds, docs = argv
    stats = json.loads(Path(stats_path).read_text(encoding="utf-8"))
    if not stats["killed"] + stats["survived"] + stats["timeout"]:
        # mutmut stops before any mutant when the tests fail on the unmutated code: nothing was measured,
        # and an earlier row, if any, stays.
        print(f"{module}: no mutant was judged (do its tests pass on the unmutated code?): score not written", file=sys.stderr)
        return 1
    path = Path(docs)
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        print(f"{docs} has no {BEGIN} … {END} block: score not written", file=sys.stderr)
        return 1
    head, rest = text.split(BEGIN, 1)
    table, tail = rest.split(END, 1)
    rows = {line.split("|")[1].strip(): line for line in table.strip().splitlines()[2:] if line.startswith("| ")}
    rows[module] = row(module, source, selection, stats, int(seconds))
    body = "\n".join([HEADER, *(rows[k] for k in sorted(rows))])
    path.write_text(f"{head}{BEGIN}\n{body}\n{END}{tail}", encoding="utf-8")
    print(rows[module])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
