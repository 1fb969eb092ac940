"""The bundled gold set's answers and metrics equal the recorded snapshot (bench/results/snapshot.json).

The snapshot was taken before issue #25's redesign; a change that alters an
answer fails here. A deliberate change of answers (a new reader) re-records
it with ``python -m bench.snapshot --out bench/results/snapshot.json`` in the
same commit, and says why.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.snapshot import differences, gold_answers

SNAPSHOT = Path(__file__).resolve().parents[1] / "bench" / "results" / "snapshot.json"


def test_gold_answers_equal_the_snapshot(tmp_path: Path) -> None:
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["gold"]
    got = json.loads(json.dumps(gold_answers(tmp_path / "index")))
    found = differences(expected, got)
    assert not found, f"{len(found)} difference(s), first: " + "; ".join(found[:5])


def test_differences_names_the_path_of_each_change() -> None:
    expected = {"a": [{"text": "x", "score": 1.0}], "b": 1}
    assert differences(expected, {"a": [{"text": "x", "score": 1.0 + 1e-9}], "b": 1}) == []
    assert differences(expected, {"a": [{"text": "y", "score": 1.5}], "c": 1}) == [
        '/a[0]/score: 1.0 != 1.5', '/a[0]/text: "x" != "y"', "/b: missing", "/c: unexpected",
    ]
