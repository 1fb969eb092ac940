"""The bundled gold set's answers and metrics equal a recorded snapshot (bench/results/snapshot*.json).

The snapshot was taken before issue #25's redesign; a change that alters an
answer fails here. A deliberate change of answers (a new reader) re-records
it with ``python -m bench.snapshot --out bench/results/snapshot.json`` in the
same commit, and says why. There is one file per kind of CPU seen (AVX-512
with VNNI: ``snapshot.json``; AVX2 alone: ``snapshot-avx2.json``), since the
models' float kernels differ between them in near ties (bench/snapshot.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.snapshot import differences, gold_answers, nearest

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"


def test_gold_answers_equal_the_snapshot(tmp_path: Path) -> None:
    got = json.loads(json.dumps(gold_answers(tmp_path / "index")))
    compared = []
    for path in sorted(RESULTS.glob("snapshot*.json")):
        compared.append((path.name, differences(json.loads(path.read_text(encoding="utf-8"))["gold"], got)))
    assert [name for name, _ in compared] == ["snapshot-avx2.json", "snapshot.json"]
    name, found = min(compared, key=lambda pair: len(pair[1]))
    assert not found, f"{len(found)} difference(s) from {name}, the nearest; first: " + "; ".join(found[:5])


def test_a_run_passes_when_it_equals_one_of_the_snapshots(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps({"answer": "x", "score": 0.5}), encoding="utf-8")
    second.write_text(json.dumps({"answer": "y", "score": 0.5}), encoding="utf-8")
    assert nearest({"answer": "y", "score": 0.5 + 1e-4}, [first, second]) == (second, [])
    assert nearest({"answer": "z", "score": 0.5}, [first, second]) == (first, ['/answer: "x" != "z"'])
    # Within 0.005 is CPU noise; a score that moved further is a difference.
    assert nearest({"answer": "x", "score": 0.51}, [first]) == (first, ["/score: 0.5 != 0.51"])


def test_differences_names_the_path_of_each_change() -> None:
    expected = {"a": [{"text": "x", "score": 1.0}], "b": 1}
    assert differences(expected, {"a": [{"text": "x", "score": 1.0 + 1e-9}], "b": 1}) == []
    assert differences(expected, {"a": [{"text": "y", "score": 1.5}], "c": 1}) == [
        '/a[0]/score: 1.0 != 1.5', '/a[0]/text: "x" != "y"', "/b: missing", "/c: unexpected",
    ]


def test_a_change_is_carried_into_another_cpus_snapshot_only_where_it_agreed() -> None:
    from bench.snapshot import carried

    old = {"q1": {"answer": "a", "score": 0.5}, "q2": {"answer": "b", "score": 0.25}, "q3": ["x", "y"]}
    new = {"q1": {"answer": "A", "score": 0.6}, "q2": {"answer": "b", "score": 0.25}, "q3": ["x", "z"]}
    # The other CPU agreed on q1 and q3 but for a near tie in q2 (unchanged) and scores within noise.
    other = {"q1": {"answer": "a", "score": 0.501}, "q2": {"answer": "b2", "score": 0.25}, "q3": ["x", "y"]}
    assert carried(old, new, other) == (
        {"q1": {"answer": "A", "score": 0.6}, "q2": {"answer": "b2", "score": 0.25}, "q3": ["x", "z"]}, [])
    # A change where the other CPU had recorded something else cannot be carried: listed, left as it was.
    other["q3"] = ["x", "w"]
    result, conflicts = carried(old, new, other)
    assert conflicts == ["/q3[1]"] and result["q3"] == ["x", "w"] and result["q1"] == new["q1"]
    # A list whose length changed is taken whole where the other agreed, a conflict where it did not.
    grown = {**new, "q3": ["x", "y", "z"]}
    assert carried(old, grown, {**old})[0]["q3"] == ["x", "y", "z"]
    assert carried(old, grown, {**old, "q3": ["x"]})[1] == ["/q3"]
