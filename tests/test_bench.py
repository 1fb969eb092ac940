"""A smoke run of the benchmark code (tiny sizes; figures are not checked, shapes are)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "data" / "squad-dev-v1.1.json"


@pytest.mark.slow
def test_bench_smoke(tmp_path: Path) -> None:
    if not SQUAD.exists():
        pytest.skip("../shared/data/squad-dev-v1.1.json is not beside the project")
    subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path)], cwd=ROOT, check=True,
                   capture_output=True, timeout=600)
    summary = json.loads((tmp_path / "smoke.json").read_text())
    for side in ("ours", "baseline"):
        assert summary[side]["documents"] == 20 and summary[side]["chunks"] > 0
        assert summary[side]["query_p50_ms"] > 0 and summary[side]["cold_start_s"] > 0
    assert all(value > 0 for value in summary["ratios_ours_over_baseline"].values())
    assert (tmp_path / "smoke.png").stat().st_size > 0


def test_scale_smoke(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "bench.scale", "--sizes", "3000", "--queries", "20", "--out", str(tmp_path)],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)
    (row,) = json.loads((tmp_path / "scale.json").read_text())
    assert row["n"] == 3000 and row["recall_at_10_vs_exact"] == 1.0 and row["structure"]["type"] == "flat"


@pytest.mark.slow
def test_crash_bench_smoke(tmp_path: Path) -> None:
    """Two kill -9 trials: the script runs and each leaves a usable index (the 20-trial run is in docs/reliability.md)."""
    done = subprocess.run([sys.executable, "-m", "bench.crash", "--trials", "2", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "crash.json").read_text())
    assert result["trials"] == 2 and result["usable"] == 2 and result["recovered"] == 2


@pytest.mark.slow
def test_crash_bench_on_postgresql_smoke(tmp_path: Path, pg_url: str) -> None:
    """Two kill -9 trials on a real PostgreSQL (the second once the writer lock is taken): the index stays usable,
    the lock dies with the writer, and the trial databases are dropped (the 10-trial run: docs/reliability.md)."""
    import psycopg

    done = subprocess.run([sys.executable, "-m", "bench.crash", "--trials", "2", "--store", pg_url, "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "crash-pg.json").read_text())
    assert result["store"] == "postgresql" and result["usable"] == 2 and result["recovered"] == 2
    with psycopg.connect(pg_url) as conn:
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'crash%'").fetchone()
    assert left == (0,)


@pytest.mark.slow
@pytest.mark.parametrize("client", ["browser", "gradio"])
def test_ui_load_bench_smoke(tmp_path: Path, client: str) -> None:
    done = subprocess.run([sys.executable, "-m", "bench.ui_load", "--users", "3", "--questions", "2", "--client", client,
                           "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "ui_load.json").read_text())
    assert result["client"] == client
    assert result["loaded"]["requests"] == 6 and result["loaded"]["errors"] == 0 and result["loaded"]["cross_talk"] == 0
    assert result["server_cpu_ms_per_request"] > 0  # the server's own process did the answering


def test_dates_bench_smoke(tmp_path: Path) -> None:
    rgb = ROOT.parent / "shared" / "data" / "rgb-en-fact.jsonl"
    if not rgb.exists():
        pytest.skip("../shared/data/rgb-en-fact.jsonl is not beside the project")
    done = subprocess.run([sys.executable, "-m", "bench.dates", "--articles", "26", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "dates.json").read_text())
    assert result["extraction"]["files"] == 26 and result["extraction"]["file_time_used"] == 0
    assert set(result["temporal"]["per_cue"]) == {"in YEAR", "latest", "as_of", "no cue", "all"}
    assert result["temporal"]["per_cue"]["all"]["questions"] == 144


def test_pg_bench_smoke(tmp_path: Path, pg_url: str) -> None:
    if not SQUAD.exists():  # its SQuAD half answers the same questions on both stores
        pytest.skip("../shared/data/squad-dev-v1.1.json is not beside the project")
    done = subprocess.run([sys.executable, "-m", "bench", "--store", "pg", "--url", pg_url, "--docs", "12", "--questions", "4",
                           "--vectors", "2000", "--texts", "2000", "--out", str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "pg.json").read_text())
    assert result["squad"]["identical_answers"] == result["squad"]["questions"] == 4
    assert result["hnsw"]["recall_at_10"] > 0.9 and result["bm25"]["top10_overlap_with_bm25s"] > 0.9


def test_incremental_pg_and_dated_bench_smoke(tmp_path: Path, pg_url: str) -> None:
    """bench.incremental's PostgreSQL adds (in place, nothing on the client's disk) and its dated asks, at 10 and 20 documents."""
    if not (ROOT.parent / "shared" / "data" / "squad1" / "train-v1.1.json").exists():
        pytest.skip("../shared/data/squad1/train-v1.1.json is not beside the project")
    common = ["--url", pg_url, "--sizes", "10", "20", "--cache", str(tmp_path / "cache"), "--out", str(tmp_path), "--label", "smoke"]
    done = subprocess.run([sys.executable, "-m", "bench.incremental", "--store", "pg", "--repeats", "1", *common], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "incremental-pg-smoke.json").read_text())
    assert [row["base_documents"] for row in result["rows"]] == [10, 20]
    for row in result["rows"]:
        assert row["runs"][0]["added"] == 10 and row["runs"][0]["n_documents"] == row["base_documents"] + 10
        assert row["apply_seconds_median"] > 0 and row["state_folder_created"] is False
    done = subprocess.run([sys.executable, "-m", "bench.incremental", "--dated", "--questions", "4", *common], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    dated = json.loads((tmp_path / "incremental-dated-smoke.json").read_text())
    assert dated["documents"] == 20 and dated["questions"] == 4
    assert set(dated["results"]) == {"no date", "since/until 2019", "as_of 2020-06-30"}
    for row in dated["results"].values():
        assert row["local p50_ms"] > 0 and row["pg p50_ms"] > 0 and row["identical"].endswith("/4")

@pytest.mark.parametrize(
    ("text", "answers", "leaks"),
    [
        ("Xenoblade Chronicles X was released in Japan on April 29.", ["April 29 2015"], True),  # all but the year
        ("the Australian director Justin Kurze. January ...", ["Justin Kurzel"], True),  # one letter off
        ("the fourth season can be expected on November 15th.", ["Nov 15, 2020"], True),  # ordinal, abbreviation
        ("It was released for Microsoft Windows and OS X in May 2012.", ["May 15 2012"], True),  # month precision
        ("Nov 19, 2020 ... A look at the full Draft board.", ["Nov 18, 2020"], False),  # the snippet's page date
        ("Release date. March 13, 2020 ; Country of origin.", ["Mar 20, 2020"], False),  # another day
        ("Elena Rybakina won the women's singles final Wimbledon.", ["Angelique Kerber"], False),
        ("Season 1 aired November 4, 2016; season 4 in late fall 2020.", ["Nov 15, 2020"], False),  # month and year apart
    ],
)
def test_rgb_negatives_that_name_the_answer_are_recognised(text: str, answers: list[str], leaks: bool) -> None:
    from training.refusal_sets import leaks_answer

    assert leaks_answer(text, answers) is leaks


def _cases(seed: int, n: int, *, calibration: bool = False, shift: float = 1.0):  # type: ignore[no-untyped-def]
    """Answerable questions score higher than unanswerable ones, by ``shift`` standard deviations."""
    from training.refusal_sets import Case

    rng = np.random.default_rng(seed)
    yes = [Case(True, float(s), True, calibration, question=f"y{i}") for i, s in enumerate(rng.normal(shift, 1, n))]
    no = [Case(False, float(s), False, calibration, question=f"n{i}") for i, s in enumerate(rng.normal(0, 1, n))]
    return yes + no


def test_refusal_recall_within_budget_matches_a_brute_force_threshold_search() -> None:
    from bench.refusal import recall_within_budget

    cases = _cases(1, 60)
    r = recall_within_budget(cases, 0.10, rounds=200)
    yes = [c.best for c in cases if c.answerable]
    no = [c.best for c in cases if not c.answerable]
    # Reference: the highest candidate threshold whose false-refusal rate stays within 10%.
    best = max(t for t in yes if np.mean([s < t for s in yes]) <= 0.10)
    assert r["threshold"] == round(best, 4)
    assert r["refusal_recall"] == round(float(np.mean([s < best for s in no])), 4)
    assert r["false_refusal_rate"] <= 0.10
    assert r["interval"][0] <= r["refusal_recall"] <= r["interval"][1]
    assert (r["answerable"], r["unanswerable"]) == (60, 60)


def test_the_bootstrap_interval_narrows_with_more_questions() -> None:
    from bench.refusal import recall_within_budget

    few = recall_within_budget(_cases(2, 40), 0.10, rounds=400)["interval"]
    many = recall_within_budget(_cases(2, 1000), 0.10, rounds=400)["interval"]
    assert many[1] - many[0] < (few[1] - few[0]) / 2


def _dump_rows(seed: int, shift: float, n: int = 80) -> list[dict]:
    """One training's bench.refusal --dump rows: answerable scores high, unanswerable lower by ``shift`` less overlap."""
    rng = np.random.default_rng(seed)
    rows = [{"set": "rgb", "reader": "model", "question": f"q{i}", "answerable": True, "best": float(rng.uniform(0.3, 1.0))}
            for i in range(n)]
    rows += [{"set": "rgb", "reader": "model", "question": f"q{i}", "answerable": False,
              "best": float(rng.uniform(0.0, 0.8 - shift))} for i in range(n)]
    return rows


def test_recipes_compared_over_trainings_average_each_and_pair_the_questions() -> None:
    from bench.refusal import compare, compare_groups, recall_within_budget
    from training.refusal_sets import Case

    base = [_dump_rows(1, 0.0), _dump_rows(2, 0.0)]
    better = [_dump_rows(3, 0.3), _dump_rows(4, 0.3)]
    r = compare_groups(base, better, 0.10, rounds=300)["rgb"]
    # each training's figure is the single-dump one; the group's is their mean
    each = [recall_within_budget([Case(x["answerable"], x["best"], False, False) for x in rows], 0.10, rounds=10)["refusal_recall"]
            for rows in base + better]
    assert r["baseline"] == pytest.approx(np.mean(each[:2]), abs=1e-3) and r["variant"] == pytest.approx(np.mean(each[2:]), abs=1e-3)
    assert r["spread"]["baseline"] == [round(min(each[:2]), 4), round(max(each[:2]), 4)]
    assert r["change"] > 0.2 and r["interval"][0] > 0 and r["trainings"] == [2, 2] and r["questions"] == 160
    # the same recipe against itself changes nothing; one dump a side is bench.refusal's own paired comparison
    assert compare_groups(base, base, 0.10, rounds=50)["rgb"]["change"] == 0.0
    now = {"rgb": [Case(x["answerable"], x["best"], False, False, question=x["question"]) for x in better[0]]}
    assert compare_groups(base[:1], better[:1], 0.10, rounds=300)["rgb"]["change"] == compare(now, base[0], 0.10, rounds=300)["rgb"]["change"]


def test_a_question_asked_twice_pairs_with_its_own_copy_by_id() -> None:
    """Dumps with ids pair every question with its own row; older dumps without ids pair by text (one copy kept)."""
    from bench.refusal import compare, compare_groups
    from training.refusal_sets import Case

    def with_ids(rows: list[dict]) -> list[dict]:
        out = [{**r, "id": f"rgb:{r['question']}"} for r in rows]
        out[-1]["question"] = out[-2]["question"]  # two unanswerable questions worded alike, ids apart
        return out

    base, other = with_ids(_dump_rows(1, 0.0)), with_ids(_dump_rows(2, 0.3))
    assert compare_groups([base], [other], 0.10, rounds=10)["rgb"]["questions"] == 160
    bare = [[{k: v for k, v in r.items() if k != "id"} for r in rows] for rows in (base, other)]
    assert compare_groups([bare[0]], [bare[1]], 0.10, rounds=10)["rgb"]["questions"] == 159
    # bench.refusal's comparison of a run against a dump: each copy scored against its own
    now = {"rgb": [Case(r["answerable"], r["best"], False, False, question=r["question"], id=r["id"]) for r in other]}
    paired = compare(now, base, 0.10, rounds=10)["rgb"]
    assert paired["questions"] == 160 and paired["change"] == compare_groups([base], [other], 0.10, rounds=10)["rgb"]["change"]


def test_seeds_command_writes_its_comparison_and_names_a_missing_dump(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.seeds import main

    files = []
    for seed, shift in ((1, 0.0), (2, 0.0), (3, 0.3)):
        files.append(tmp_path / f"d{seed}.jsonl")
        files[-1].write_text("".join(json.dumps(r) + "\n" for r in _dump_rows(seed, shift)))
    out = tmp_path / "seeds.json"
    assert main(["--baseline", str(files[0]), str(files[1]), "--variant", str(files[2]), "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert record["sets"]["rgb"]["trainings"] == [2, 1] and record["sets"]["rgb"]["change"] > 0
    assert "rgb" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="not found: write it with python -m bench.refusal --dump"):
        main(["--baseline", str(tmp_path / "nope.jsonl"), "--variant", str(files[2]), "--out", str(out)])


def test_cross_fitting_scores_each_half_with_the_combination_fitted_on_the_other() -> None:
    from bench.refusal import cross_fitted
    from rag._answering import answer_probability
    from training.calibrate import fit_combination
    from training.refusal_sets import Case

    def half(calibration: bool, sign: float) -> list:  # type: ignore[type-arg]
        # Each question reads two sentences; in one half the answer is the one with the higher evidence, in the other the lower.
        return [Case(True, 0.0, True, calibration, ((0.5, 0.5 + 0.2 * sign, 0.0, True), (0.5, 0.5 - 0.2 * sign, 0.0, False)), f"{calibration}{i}")
                for i in range(20)]

    sets = {"squad_withheld": half(True, 1.0) + half(False, -1.0), "rgb": []}
    scored = cross_fitted(sets)["squad_withheld"]
    held_fit = fit_combination([c for c in sets["squad_withheld"] if not c.calibration])
    assert held_fit[2] < 0  # fitted on the held-out half alone: lower evidence, likelier answer
    for before, after in zip(sets["squad_withheld"], scored):
        other = fit_combination([c for c in sets["squad_withheld"] if c.calibration is not before.calibration])
        assert after.best == max(answer_probability(p, e, m, other) for p, e, m, _ in before.candidates)
        assert (after.question, after.answerable, after.calibration) == (before.question, before.answerable, before.calibration)


def test_calibration_is_written_where_the_runtime_reads_it(tmp_path: Path) -> None:
    """training.calibrate fits on the calibration halves only, writes atomically, and rag._calibration reads it back."""
    from rag import ReaderError
    from rag._calibration import load_calibration
    from training.calibrate import calibrate, calibration_of, fit_combination, write_calibration
    from training.refusal_sets import Case

    rng = np.random.default_rng(4)

    def case(answerable: bool, calibration: bool) -> Case:
        # Two read sentences; the one holding the answer has the higher evidence score.
        high, low = float(rng.uniform(0.5, 0.9)), float(rng.uniform(0.1, 0.5))
        return Case(answerable, high if answerable else low, answerable, calibration,
                    ((0.6, high, 1.0, answerable), (0.4, low, 0.0, False)))

    sets = {"squad_withheld": [case(i % 2 == 0, i % 4 < 2) for i in range(40)], "rgb": [case(True, True)],
            "rgb_clean": [case(False, True)]}  # RGB clean is never calibrated on
    combination = fit_combination([c for name in ("squad_withheld", "rgb") for c in sets[name] if c.calibration])
    fitted = calibration_of(combination, sets, 0.10, "python -m training.calibrate --questions 40")
    halves = [c for name in ("squad_withheld", "rgb") for c in sets[name] if c.calibration]
    assert fitted.combine == tuple(round(w, 4) for w in combination) and fitted.combine[2] > 0
    assert fitted.min_probability == round(calibrate(halves, 0.10), 4)
    written = write_calibration(fitted, tmp_path)
    assert written == tmp_path / "calibration.json" and [p.name for p in tmp_path.iterdir()] == ["calibration.json"]
    assert load_calibration(tmp_path) == load_calibration(written) == fitted
    record = json.loads(written.read_text(encoding="utf-8"))
    assert record["combine"] == list(fitted.combine) and record["fitted_by"] == "python -m training.calibrate --questions 40"
    written.write_text('{"combine": [1, 2], "min_probability": 0.1}', encoding="utf-8")
    with pytest.raises(ReaderError, match="four or five numbers") as caught:
        load_calibration(written)
    assert "\n" not in str(caught.value) and "python -m training.calibrate" in str(caught.value)


def test_a_paired_comparison_sees_no_change_against_itself_and_a_real_one_against_a_worse_reader() -> None:
    from bench.refusal import compare

    now = {"rgb": _cases(3, 200, shift=2.0)}
    same = [{"set": "rgb", "question": c.question, "answerable": c.answerable, "best": c.best} for c in now["rgb"]]
    worse = [{**row, "best": row["best"] - 1.0 if row["answerable"] else row["best"]} for row in same]  # answerable pulled down
    unchanged = compare(now, same, 0.10, rounds=200)["rgb"]
    assert unchanged["change"] == 0 and unchanged["interval"] == [0.0, 0.0] and unchanged["questions"] == 400
    better = compare(now, worse, 0.10, rounds=200)["rgb"]
    assert better["change"] > 0 and better["interval"][0] > 0


def test_the_refusal_headlines_match_the_recorded_benchmark() -> None:
    """README and docs/benchmarks.md quote bench/results/refusal.json: a re-run that changes it must change them."""
    result = json.loads((ROOT / "bench" / "results" / "refusal.json").read_text("utf-8"))

    def percent(value: float) -> int:
        return int(100 * value + 0.5)  # half up, as the docs round (0.585 is 59%)

    def figure(reader: str, name: str) -> tuple[str, str]:
        r = result["readers"][reader]["sets"][name]["all_questions_within_budget"]
        low, high = (percent(v) for v in r["interval"])
        return f"{percent(r['refusal_recall'])}%", f"{low}–{high}%"

    readme = (ROOT / "README.md").read_text("utf-8")
    benchmarks = (ROOT / "docs" / "benchmarks.md").read_text("utf-8")
    for name in ("squad_withheld", "rgb"):
        recall, interval = figure("model", name)
        assert f"{recall} " in readme and f"interval {interval}" in readme, (name, recall, interval)
        assert f"{recall} " in benchmarks and interval.rstrip("%") in benchmarks, (name, recall, interval)
    assert f"the evidence score\nalone: {figure('fast', 'squad_withheld')[0]}" in readme
    assert f"{figure('model', 'rgb_clean')[0]} without" in readme
    assert f"fast reader {figure('fast', 'squad_withheld')[0]}" in benchmarks.replace("\n", " ")
    assert f"fast reader {figure('fast', 'rgb')[0]}" in benchmarks.replace("\n", " ")


def test_news_dated_set_is_consistent() -> None:
    """The Wikinews set: every quote in its article and published by as_of; no visible article says a withheld answer."""
    from bench.news_dated import DATA, check_set, load_questions, withheld_docs
    from rag import load_paths

    questions = load_questions()
    documents = load_paths([DATA / "articles"]).documents
    assert len(documents) == 120 and all(d.published and d.outlet == "Wikinews" and d.url for d in documents)
    assert check_set(questions, documents) == []
    unanswerable = [q for q in questions if not q.answerable]
    assert 60 <= len(questions) <= 150 and 0.2 <= len(unanswerable) / len(questions) <= 0.3
    assert {q.unanswerable for q in unanswerable} == {"before", "withheld"} and len(withheld_docs(questions)) >= 10


@pytest.mark.slow
def test_news_dated_bench_smoke(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bench.news_dated", "--limit", "8", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "news_dated.json").read_text())
    assert result["articles"] == 120 and result["questions"]["all"] == 8 == len(result["per_question"])
    assert result["questions"]["answerable"] == 6 and sum(result["questions"]["unanswerable"].values()) == 2
    for arm in ("with_dates", "without_dates"):
        metrics = result["arms"][arm]
        assert set(metrics) == {"answer_contained", "short_em", "short_f1", "citation_precision", "answered",
                                "refusal_recall", "false_refusals"}
        for key in ("answer_contained", "short_em", "short_f1", "refusal_recall", "false_refusals"):
            assert 0.0 <= metrics[key] <= 1.0, (arm, key, metrics[key])
        assert metrics["citation_precision"] is None or 0.0 <= metrics["citation_precision"] <= 1.0
        assert 0 <= metrics["answered"] <= 6
    for name in ("answer_contained", "refusal_recall", "right"):
        row = result["paired"][name]
        assert -1.0 <= row["interval_95"][0] <= row["difference"] <= row["interval_95"][1] <= 1.0
        assert row["better"] + row["worse"] <= row["questions"]
    assert len(result["worse_with_dates"]) == result["paired"]["right"]["worse"]
    assert sum(row["questions"] for row in result["breakdown"].values()) == 8
    assert result["commit"] and "answer contained" in done.stdout


def test_cascade_shortlist_keeps_the_small_readers_best_in_evidence_order() -> None:
    from bench.cascade import Question, Read, shortlisted

    reads = tuple(Read(p, 0.0, 0.5, 0.0, 0.5, False) for p in (0.1, 0.9, 0.2, 0.8))
    question = Question(True, True, reads)
    assert shortlisted(question, 2) == (reads[1], reads[3])  # the two the 6-layer reader likes, first to last
    assert shortlisted(question, 4) == reads
    assert shortlisted(question, 9) == reads


def test_cascade_scores_a_reader_that_knows_the_answer_perfect_and_one_that_does_not_at_zero() -> None:
    from bench.cascade import Question, Read, evaluate

    def answerable(calibration: bool) -> Question:
        # The 6-layer reader sees nothing (same outputs everywhere); the 12-layer one finds the second sentence.
        return Question(True, calibration, (Read(0.5, 0.0, 0.05, 0.0, 0.5, False), Read(0.5, 0.0, 0.95, 0.0, 0.5, True),
                                            Read(0.5, 0.0, 0.05, 0.0, 0.5, False)))

    def unanswerable(calibration: bool) -> Question:
        return Question(False, calibration, tuple(Read(0.5, 0.0, 0.05, 0.0, 0.5, False) for _ in range(3)))

    questions = [make(i % 2 == 0) for i in range(40) for make in (answerable, unanswerable)]
    sets = {name: questions for name in ("squad_withheld", "rgb", "rgb_clean")}
    large = evaluate(sets, "large", 6)
    small = evaluate(sets, "small", 6)
    assert large["rgb"] == {"refusal_within": 1.0, "answer_sentence_accuracy": 1.0, "questions": 80}
    assert small["rgb"]["answer_sentence_accuracy"] == 0.0  # every score ties: the first candidate leads
    assert small["rgb"]["refusal_within"] == 0.0  # nothing tells the sets apart: no threshold refuses within 10%


def test_cascade_band_sends_on_only_the_questions_its_band_holds() -> None:
    from bench.cascade import Question, Read, evaluate, evaluate_band

    def answerable(calibration: bool) -> Question:
        return Question(True, calibration, (Read(0.5, 0.0, 0.05, 0.0, 0.5, False), Read(0.5, 0.0, 0.95, 0.0, 0.5, True)))

    def unanswerable(calibration: bool) -> Question:
        return Question(False, calibration, (Read(0.5, 0.0, 0.05, 0.0, 0.5, False), Read(0.5, 0.0, 0.05, 0.0, 0.5, False)))

    questions = [make(i % 2 == 0) for i in range(40) for make in (answerable, unanswerable)]
    sets = {name: questions for name in ("squad_withheld", "rgb", "rgb_clean")}
    everything = evaluate_band(sets, -1e9, 1e9)["rgb"]
    nothing = evaluate_band(sets, 1.0, 0.0)["rgb"]
    assert everything["escalated"] == 1.0 and nothing["escalated"] == 0.0
    # All sent on is the 12-layer reader alone; none sent on is the 6-layer reader alone.
    assert {k: v for k, v in everything.items() if k != "escalated"} == evaluate(sets, "large", 6)["rgb"]
    assert {k: v for k, v in nothing.items() if k != "escalated"} == evaluate(sets, "small", 6)["rgb"]


def test_cascade_reorder_refuses_as_the_small_reader_and_chooses_as_the_large_one() -> None:
    from bench.cascade import Question, Read, evaluate, evaluate_reorder

    def answerable(calibration: bool) -> Question:
        # The 6-layer reader answers (high on the first two) but prefers the wrong one; the 12-layer one knows.
        return Question(True, calibration, (Read(0.95, 0.0, 0.05, 0.0, 0.5, False), Read(0.9, 0.0, 0.95, 0.0, 0.5, True),
                                            Read(0.05, 0.0, 0.05, 0.0, 0.5, False)))

    def unanswerable(calibration: bool) -> Question:
        # Only the 12-layer reader would refuse these; the reorder leaves refusals to the 6-layer one.
        return Question(False, calibration, tuple(Read(p, 0.0, 0.05, 0.0, 0.5, False) for p in (0.95, 0.9, 0.05)))

    questions = [make(i % 2 == 0) for i in range(40) for make in (answerable, unanswerable)]
    sets = {name: questions for name in ("squad_withheld", "rgb", "rgb_clean")}
    reorder, small = evaluate_reorder(sets, 2)["rgb"], evaluate(sets, "small", 6)["rgb"]
    assert reorder["refusal_within"] == small["refusal_within"] == 0.0
    assert reorder["answer_sentence_accuracy"] == 1.0 and small["answer_sentence_accuracy"] == 0.0
    assert evaluate(sets, "large", 6)["rgb"]["refusal_within"] == 1.0  # the 12-layer reader alone would refuse them
