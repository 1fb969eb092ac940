"""`rag eval` end to end: the bundled gold set, a tiny BEIR set, reports on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import Assistant, ConfigError
from rag._evaluation import evaluate, worst_failures
from rag._goldsets import load_eval_set
from rag.cli import main

BUNDLED_GOLD = Path(__file__).resolve().parents[1] / "rag" / "data" / "gold.jsonl"


def test_gold_eval_command_writes_reports(tmp_path: Path, demo_index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    code = main(["eval", str(BUNDLED_GOLD), "--index", str(demo_index_dir), "--compare", "hybrid,bm25", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "| metric | hybrid | bm25 |" in printed and "answer contained" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    hybrid = metrics["configurations"]["hybrid"]
    assert hybrid["questions"] == 49
    assert hybrid["answer"]["contained"] >= 0.85 and hybrid["citations"]["precision"] >= 0.85
    assert hybrid["refusal"]["recall"] >= 0.8
    assert 0 < hybrid["latency_ms"]["p50"] <= hybrid["latency_ms"]["p95"]
    report = (out / "report.md").read_text()
    assert "| metric |" in report and "recall_at_k.png" in report
    assert (out / "recall_at_k.png").stat().st_size > 0 and (out / "latency.png").stat().st_size > 0


def test_beir_set_is_scored_on_retrieval_only(tmp_path: Path, make_assistant) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "beir" / "qrels").mkdir(parents=True)
    corpus = [
        {"_id": "a", "title": "Aspirin", "text": "Aspirin lowers fever and relieves mild pain."},
        {"_id": "b", "title": "Volcanoes", "text": "Volcanic eruptions release ash and sulfur dioxide."},
        {"_id": "c", "title": "Bees", "text": "Honey bees communicate the location of flowers by dancing."},
    ]
    (tmp_path / "beir" / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in corpus))
    (tmp_path / "beir" / "queries.jsonl").write_text(
        json.dumps({"_id": "1", "text": "does aspirin reduce fever"}) + "\n" + json.dumps({"_id": "2", "text": "how do bees tell where flowers are"})
    )
    (tmp_path / "beir" / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\ta\t1\n2\tc\t1\n")
    eval_set = load_eval_set(tmp_path / "beir")
    assistant: Assistant = make_assistant("beir")
    from rag._loading import LoadResult

    assistant.index_loaded(LoadResult(documents=eval_set.corpus or []))
    results = evaluate(assistant, eval_set, modes=["dense", "hybrid"], ks=[1, 3], top_k=5)
    for result in results.values():
        assert result.metrics["retrieval"]["hit@1"] == 1.0 and result.metrics["retrieval"]["ndcg@10"] == 1.0
        assert "answer" not in result.metrics and worst_failures(result) == []
    with pytest.raises(ConfigError, match="unknown configuration 'semantic'"):
        evaluate(assistant, eval_set, modes=["semantic"], ks=[1], top_k=5)


def test_eval_rebuilds_its_own_index_after_a_settings_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {"version": "1.1", "data": [{"title": "Super_Bowl", "paragraphs": [
        {"context": "The game was played in Santa Clara. Denver won the title.",
         "qas": [{"id": "a", "question": "Who won the title?", "answers": [{"answer_start": 36, "text": "Denver"}]}]},
        {"context": "Tickets were expensive. Parking cost forty dollars.", "qas": []},
    ]}]}
    (tmp_path / "tiny.json").write_text(json.dumps(data))
    (tmp_path / "embedded.toml").write_text('chunk_vectors = "embedded"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["eval", "tiny.json", "--config", "embedded.toml"]) == 0
    manifest = json.loads((tmp_path / "index" / "eval-tiny" / "manifest.json").read_text())
    assert manifest["chunk_vectors"] == "embedded"
    capsys.readouterr()
    assert main(["eval", "tiny.json"]) == 0  # the defaults pool chunk vectors: its own cache is rebuilt
    assert "rebuilding it" in capsys.readouterr().err
    manifest = json.loads((tmp_path / "index" / "eval-tiny" / "manifest.json").read_text())
    assert manifest["chunk_vectors"] == "pooled"
    # A user's own index (--index) is never rebuilt behind their back: one line says how.
    assert main(["eval", "tiny.json", "--index", "index/eval-tiny", "--config", "embedded.toml"]) != 0
    assert "has pooled chunk vectors, not embedded: rebuild it with" in capsys.readouterr().err
