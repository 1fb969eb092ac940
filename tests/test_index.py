"""Index building: incremental updates, atomic writes, clear errors on bad indexes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from rag import (
    Assistant,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    LoadError,
    MiniLMEmbeddings,
    Settings,
    TokenChunker,
    build_index,
    bundled_articles_dir,
    load_index,
    load_paths,
)
from rag._atomic import write_atomic
from rag._loading import LoadResult
from rag._types import SourceDocument
from rag.stores._local import read_manifest


class CountingEmbeddings(Embeddings):
    """Delegates to the real model and counts every text it embeds."""

    def __init__(self, inner: MiniLMEmbeddings, fail_after: int | None = None):
        self.inner = inner
        self.model_name = inner.model_name
        self.dimension = inner.dimension
        self.texts: list[str] = []
        self.fail_after = fail_after

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.fail_after is not None and len(self.texts) + len(texts) > self.fail_after:
            raise KeyboardInterrupt("simulated interruption during embedding")
        self.texts.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


class HashingEmbeddings(Embeddings):
    """A different, real (lexical feature-hashing) embedding model."""

    model_name = "hashing-64"
    dimension = 64

    def _vector(self, text: str) -> list[float]:
        v = np.zeros(self.dimension, dtype=np.float32)
        for word in text.lower().split():
            v[zlib.crc32(word.encode()) % self.dimension] += 1
        return (v / (np.linalg.norm(v) or 1)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


CHUNKER = TokenChunker(120, 30)


def build(index_dir: Path, paths: list[Path], embeddings: Embeddings, **kw: object):  # type: ignore[no-untyped-def]
    return build_index(index_dir, load_paths(paths), embeddings=embeddings, chunker=CHUNKER, **kw)


def test_build_and_load_roundtrip(tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    report = build(tmp_path / "ix", [articles_copy], embedder)
    assert sorted(report.added) == ["russia-china-drill-report", "zapad-interaction-2021-begins"]
    data = load_index(tmp_path / "ix", model_name=embedder.model_name)
    manifest = json.loads((tmp_path / "ix" / "manifest.json").read_text())
    assert manifest["embedding_model"] == embedder.model_name == "sentence-transformers/all-MiniLM-L6-v2 (onnx-int8)"
    assert manifest["dimension"] == 384 and manifest["chunker"] == CHUNKER.settings()
    assert data.n_chunks == report.n_chunks == data.dense.ntotal
    assert np.allclose(np.linalg.norm(data.chunk_vectors, axis=1), 1, atol=1e-4)
    for row in range(data.n_chunks):
        chunk = data.chunk(row)
        doc = data.documents[data.doc_index[chunk.doc_id]]
        assert doc.text[chunk.start : chunk.end] == chunk.text
        for sentence in chunk.sentences:
            assert chunk.start <= sentence.start < sentence.end <= chunk.end
    # Stored sentence vectors are the model's vectors of the sentence texts.
    row = 3
    doc_i, start, end = data.sentence_rows[row]
    expected = embedder.encode([data.documents[doc_i].text[start:end]])[0]
    assert data.sentence_vectors.dtype == np.float16  # half the disk of float32
    assert float(data.sentence_vectors_of([row])[0] @ expected) > 0.9999


def test_reindex_embeds_only_new_or_changed(tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    counting = CountingEmbeddings(embedder)
    build(tmp_path / "ix", [articles_copy], counting)
    first = load_index(tmp_path / "ix")
    counting.texts.clear()

    report = build(tmp_path / "ix", [articles_copy], counting)
    assert counting.texts == [] and report.embedded_chunks == 0
    assert sorted(report.unchanged) == ["russia-china-drill-report", "zapad-interaction-2021-begins"]

    # Change one article, add one, and check only those are embedded.
    target = articles_copy / "zapad-interaction-2021-begins.txt"
    target.write_text(target.read_text().replace("since 2005.", "since 2005. The drills ended on Friday with a parade."))
    (articles_copy / "new.txt").write_text("Navy news\nThe navy launched a new frigate on Sunday.")
    report = build(tmp_path / "ix", [articles_copy], counting)
    assert report.updated == ["zapad-interaction-2021-begins"] and report.added == ["new"]
    assert report.unchanged == ["russia-china-drill-report"]
    assert all("Russia Now Training Troops" not in t for t in counting.texts)
    assert any("parade" in t for t in counting.texts) and any("frigate" in t for t in counting.texts)

    second = load_index(tmp_path / "ix")
    old_rows = first.chunk_rows[:, 0] == first.doc_index["russia-china-drill-report"]
    new_rows = second.chunk_rows[:, 0] == second.doc_index["russia-china-drill-report"]
    assert np.array_equal(first.chunk_vectors[old_rows], second.chunk_vectors[new_rows])
    for row in range(second.n_chunks):  # offsets still consistent after reuse
        chunk = second.chunk(row)
        assert second.documents[second.doc_index[chunk.doc_id]].text[chunk.start : chunk.end] == chunk.text
        assert all(s.doc_id == chunk.doc_id for s in chunk.sentences)

    # Remove a file: it is dropped; prune=False keeps documents from other roots.
    (articles_copy / "new.txt").unlink()
    report = build(tmp_path / "ix", [articles_copy], counting)
    assert report.removed == ["new"]
    extra = tmp_path / "extra.txt"
    extra.write_text("Extra\nAn unrelated sentence about trains.")
    report = build(tmp_path / "ix", [extra], counting, prune=False)
    assert report.added == ["extra"] and report.removed == [] and report.n_documents == 3


def test_interrupted_build_leaves_previous_index_intact(
    tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings
) -> None:
    build(tmp_path / "ix", [articles_copy], embedder)
    before = (tmp_path / "ix" / "manifest.json").read_text()
    (articles_copy / "new.txt").write_text("Navy news\nThe navy launched a new frigate on Sunday.")
    with pytest.raises(KeyboardInterrupt):
        build(tmp_path / "ix", [articles_copy], CountingEmbeddings(embedder, fail_after=0))
    assert (tmp_path / "ix" / "manifest.json").read_text() == before
    data = load_index(tmp_path / "ix")
    assert [d.id for d in data.documents] == ["russia-china-drill-report", "zapad-interaction-2021-begins"]
    # The next build succeeds and adds a segment of its own; the interrupted build's leftovers are gone, and the
    # segments of the replaced manifest stay until the build after (a reader may still be reading them).
    build(tmp_path / "ix", [articles_copy], embedder)
    folders = sorted(p.name for p in (tmp_path / "ix").iterdir() if p.is_dir())
    live = _segment_names(tmp_path / "ix")
    assert len(folders) == 2 == len(live) and folders == sorted(live) and all(g.startswith("gen-") for g in folders)
    assert read_manifest(tmp_path / "ix")["generation"] == live[-1]  # the segment this build wrote is named after it
    (articles_copy / "newer.txt").write_text("Navy news\nThe navy launched a second frigate on Monday.")
    build(tmp_path / "ix", [articles_copy], embedder)
    now = _segment_names(tmp_path / "ix")
    assert sorted(p.name for p in (tmp_path / "ix").iterdir() if p.is_dir()) == sorted(set(live) | set(now))
    assert len(now) == 2 and now[0] == live[0]  # the two small newest segments were merged into one, the first kept


def _segment_names(index_dir: Path) -> list[str]:
    return [segment["name"] for segment in read_manifest(index_dir)["segments"]]


def test_write_atomic_keeps_old_content_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "file.json"
    write_atomic(target, "old")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="rag index PATH --index"):
        load_index(tmp_path / "nothing")


def test_corrupt_manifest(tmp_path: Path, demo_index_dir: Path) -> None:
    ix = tmp_path / "ix"
    shutil.copytree(demo_index_dir, ix)
    (ix / "manifest.json").write_text("{ not json")
    with pytest.raises(IndexCorruptError, match="--rebuild"):
        load_index(ix)


@pytest.mark.parametrize("victim", ["chunk_vectors.npy", "dense.faiss", "documents.jsonl", "terms.json"])
def test_truncated_or_missing_file_is_corrupt(tmp_path: Path, demo_index_dir: Path, victim: str) -> None:
    ix = tmp_path / "ix"
    shutil.copytree(demo_index_dir, ix)
    generation = json.loads((ix / "manifest.json").read_text())["generation"]
    path = ix / generation / victim
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(IndexCorruptError, match="corrupt"):
        load_index(ix)
    path.unlink()
    with pytest.raises(IndexCorruptError):
        load_index(ix)


def test_other_embedding_model_is_a_mismatch(tmp_path: Path, demo_index_dir: Path, articles_copy: Path) -> None:
    with pytest.raises(IndexMismatchError, match="all-MiniLM-L6-v2.*--rebuild"):
        load_index(demo_index_dir, model_name=HashingEmbeddings.model_name)
    ix = tmp_path / "ix"
    shutil.copytree(demo_index_dir, ix)
    with pytest.raises(IndexMismatchError):
        build_index(ix, load_paths([articles_copy]), embeddings=HashingEmbeddings(), chunker=TokenChunker())
    report = build_index(ix, load_paths([articles_copy]), embeddings=HashingEmbeddings(), chunker=TokenChunker(), rebuild=True)
    assert report.n_documents == 2
    assert load_index(ix, model_name="hashing-64").chunk_vectors.shape[1] == 64


def test_changed_chunker_is_a_mismatch(tmp_path: Path, demo_index_dir: Path, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    ix = tmp_path / "ix"
    shutil.copytree(demo_index_dir, ix)
    with pytest.raises(IndexMismatchError, match="chunker"):
        build_index(ix, load_paths([articles_copy]), embeddings=embedder, chunker=TokenChunker(64, 8))


def test_nothing_to_index_is_a_clear_error(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01")
    with pytest.raises(LoadError, match="nothing to index"):
        make_assistant(settings=Settings()).index([tmp_path / "junk.bin"])


def test_encode_with_spans_matches_encode_and_flags_truncation(embedder: MiniLMEmbeddings) -> None:
    texts = ["The harbour reopened on Tuesday. Ships waited offshore.", "word " * 400 + "Tail sentence."]
    spans = [[(0, 32), (33, 55)], [(0, 10), (2000, 2014)]]
    text_vectors, span_vectors = embedder.encode_with_spans(texts, spans)
    assert np.allclose(text_vectors, embedder.encode(texts), atol=1e-5)
    first, second = span_vectors[0]
    assert first is not None and second is not None
    assert np.linalg.norm(first) == pytest.approx(1, abs=1e-5)
    assert float(first @ second) < 0.99  # two sentences, two different vectors
    assert span_vectors[1][0] is not None and span_vectors[1][1] is None  # beyond 256 tokens: caller embeds it


def test_contextual_sentence_vectors_need_no_extra_pass(tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    counting = CountingEmbeddings(embedder)
    report = build_index(tmp_path / "ix", load_paths([articles_copy]), embeddings=embedder, chunker=CHUNKER,
                         sentence_vectors="contextual", chunk_vectors="embedded")
    assert report.embedded_sentences == 0
    data = load_index(tmp_path / "ix")
    assert data.manifest["sentence_vectors"] == "contextual"
    assert np.allclose(np.linalg.norm(data.sentence_vectors, axis=1), 1, atol=1e-4)
    with pytest.raises(IndexMismatchError, match="contextual sentence vectors"):
        build_index(tmp_path / "ix", load_paths([articles_copy]), embeddings=counting, chunker=CHUNKER, chunk_vectors="embedded")
    assert counting.texts == []


def test_a_contextual_sentence_vector_comes_from_the_first_chunk_that_holds_it(
    tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings
) -> None:
    build_index(tmp_path / "ix", load_paths([articles_copy]), embeddings=embedder, chunker=CHUNKER,
                sentence_vectors="contextual", chunk_vectors="embedded")
    data = load_index(tmp_path / "ix")
    shared = [(row, row + 1) for row in range(data.n_chunks - 1)
              if data.chunk_rows[row, 0] == data.chunk_rows[row + 1, 0] and data.chunk_rows[row, 4] > data.chunk_rows[row + 1, 3]]
    assert shared  # chunks overlap by 30 tokens: a sentence in two chunks
    first, second = shared[0]
    sentence = int(data.chunk_rows[second, 3])  # the later chunk's first sentence, also in the earlier chunk
    _, start, end = data.sentence_rows[sentence].tolist()

    def in_chunk(row: int) -> np.ndarray:
        chunk = data.chunk(row)
        _, spans = embedder.encode_with_spans([chunk.text], [[(start - chunk.start, end - chunk.start)]])
        return np.asarray(spans[0][0])

    stored = np.asarray(data.sentence_vectors_of([sentence])[0], dtype=np.float32)
    assert float(stored @ in_chunk(first)) > 0.9999
    assert float(in_chunk(first) @ in_chunk(second)) < 0.9999  # (the later chunk would give another vector)


def test_pooled_chunk_vectors_are_one_pass_over_sentences(
    tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings
) -> None:
    counting = CountingEmbeddings(embedder)
    build_index(tmp_path / "ix", load_paths([articles_copy]), embeddings=counting, chunker=CHUNKER, chunk_vectors="pooled")
    data = load_index(tmp_path / "ix")
    assert data.manifest["chunk_vectors"] == "pooled"
    assert len(counting.texts) == len(data.sentence_rows)  # sentences only: no chunk pass
    for row, vector in zip(data.chunk_rows, data.chunk_vectors):
        mean = data.sentence_vectors_of(list(range(row[3], row[4]))).mean(0)
        assert float(vector @ (mean / np.linalg.norm(mean))) > 0.9999  # pooled before the float16 store
    assert float(embedder.encode([data.sentence_text(5)])[0] @ data.sentence_vectors_of([5])[0]) > 0.9999
    counting.texts.clear()
    with pytest.raises(IndexMismatchError, match="pooled chunk vectors, not embedded"):
        build_index(tmp_path / "ix", load_paths([articles_copy]), embeddings=counting, chunker=CHUNKER, chunk_vectors="embedded")
    assert counting.texts == []


def test_same_file_name_from_another_folder_never_overwrites(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "report.txt").write_text("Budget report\nThe council passed the budget.")
    (tmp_path / "b" / "report.txt").write_text("Weather report\nIt rained all week in the valley.")
    build(tmp_path / "ix", [tmp_path / "a"], embedder)
    report = build(tmp_path / "ix", [tmp_path / "b"], embedder, prune=False)
    assert report.updated == [] and len(report.added) == 1 and report.added[0].startswith("report-")
    texts = {d.id: d.text for d in load_index(tmp_path / "ix").documents}
    assert texts["report"].startswith("Budget report") and texts[report.added[0]].startswith("Weather report")


def test_a_document_whose_file_was_deleted_is_pruned_when_another_folder_is_indexed(
    tmp_path: Path, embedder: MiniLMEmbeddings
) -> None:
    """_plan's "or whose source file is gone" branch: a file deleted from a folder that is not re-indexed still goes."""
    for name, text in [("a/kept.txt", "Budget report\nThe council passed the budget."),
                       ("a/gone.txt", "Weather report\nIt rained all week in the valley."),
                       ("b/ferry.txt", "Ferry news\nThe ferry returned to service on Monday.")]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    build(tmp_path / "ix", [tmp_path / "a", tmp_path / "b"], embedder)
    (tmp_path / "a" / "gone.txt").unlink()
    report = build(tmp_path / "ix", [tmp_path / "b"], embedder)
    assert report.removed == ["gone"] and report.unchanged == ["ferry"]
    assert sorted(d.id for d in load_index(tmp_path / "ix").documents) == ["ferry", "kept"]


FEED = [
    {"title": "Rates rise", "text": "The central bank raised interest rates by half a point on Monday."},
    {"title": "Harbour reopens", "text": "The harbour reopened after a three-day closure caused by the storm."},
    {"title": "Bridge closed", "text": "The old bridge was closed to traffic for repairs until next spring."},
]


def test_a_file_that_fails_to_parse_is_skipped_and_the_rest_indexed(
    tmp_path: Path, embedder: MiniLMEmbeddings, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.cli import main

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "bad.json").write_text("[" * 100_000 + "]" * 100_000)  # RecursionError inside json
    (folder / "good.txt").write_text("Good news\nThe library opened a new reading room downtown.")
    report = build(tmp_path / "ix", [folder], embedder)
    assert report.added == ["good"] and report.n_documents == 1
    assert [s.source for s in report.skipped] == [str(folder / "bad.json")]

    assert main(["index", str(folder), "--index", str(tmp_path / "cli-ix")]) == 0
    out = capsys.readouterr()
    assert "1 added, 0 updated, 0 removed, 0 unchanged, 1 skipped; 1 documents" in out.out
    warning, undated = out.err.strip().splitlines()
    assert warning == f"warning: skipped {folder / 'bad.json'}: nested too deeply to parse; fix or remove the file"
    assert undated.startswith("warning: 1 of 1 documents have no publication date (date unknown)")


def test_a_file_that_fails_to_load_keeps_its_documents_until_deleted(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    feed = folder / "feed.json"
    feed.write_text(json.dumps(FEED))
    (folder / "other.txt").write_text("Other news\nThe museum extended its opening hours.")
    first = build(tmp_path / "ix", [folder], embedder)
    assert sorted(first.added) == ["feed-1", "feed-2", "feed-3", "other"]

    # Truncated feed, and other.txt deleted: the feed's documents stay, the deleted file's go.
    feed.write_text(json.dumps(FEED)[:40])
    (folder / "other.txt").unlink()
    report = build(tmp_path / "ix", [folder], embedder)
    assert report.removed == ["other"] and report.kept == ["feed-1", "feed-2", "feed-3"] and report.added == []
    (skip,) = report.skipped
    assert skip.reason.startswith("invalid JSON at line 1") and "\n" not in str(skip)
    assert skip.reason.endswith(
        "; kept the 3 document(s) indexed from feed.json before (fix the file to update them, or delete it to remove them)"
    )
    assert "0 removed" not in report.summary() and "3 kept, 1 skipped; 3 documents" in report.summary()
    docs = {d.id: d for d in load_index(tmp_path / "ix").documents}
    assert sorted(docs) == ["feed-1", "feed-2", "feed-3"] and docs["feed-2"].text.startswith("Harbour reopens")

    # One record unusable: the others are re-read, that one keeps its earlier version.
    feed.write_text(json.dumps([FEED[0], {"title": "Harbour reopens"}, FEED[2]]))
    report = build(tmp_path / "ix", [folder], embedder)
    assert report.unchanged == ["feed-1", "feed-3"] and report.kept == ["feed-2"] and report.removed == []
    assert report.skipped[0].source == str(feed) and report.skipped[0].reason.startswith("1 of 3 records skipped (record 2:")
    assert "kept the 1 document(s) indexed from feed.json" in report.skipped[0].reason

    # Deleted for real: now its documents go.
    feed.unlink()
    (folder / "new.txt").write_text("New\nA new article keeps the folder non-empty.")
    report = build(tmp_path / "ix", [folder], embedder)
    assert report.removed == ["feed-1", "feed-2", "feed-3"] and report.kept == [] and report.added == ["new"]
    assert [d.id for d in load_index(tmp_path / "ix").documents] == ["new"]


def test_an_oversized_file_keeps_its_earlier_version(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "docs"
    folder.mkdir()
    article = folder / "article.txt"
    article.write_text("Storm warning\nA storm is expected to reach the coast on Friday evening.")
    assistant = make_assistant(settings=Settings(max_file_mb=0.001, reader="fast"))  # about 1 kB
    assert assistant.index([folder]).added == ["article"]

    article.write_text("Storm warning\n" + "The storm grew stronger overnight. " * 100)
    report = assistant.index([folder])
    assert report.removed == [] and report.kept == ["article"] and report.n_documents == 1
    assert "over the 0.001 MB limit (raise max_file_mb); kept the 1 document(s) indexed from article.txt" in report.skipped[0].reason
    (doc,) = assistant.documents()
    assert doc.text.endswith("on Friday evening.")


# ---------------------------------------------------------------- index-layer defects (issue #12)


def test_eval_never_writes_a_sets_corpus_into_a_users_index(
    tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.cli import main

    build(tmp_path / "ix", [articles_copy], embedder)
    squad = {"version": "1.1", "data": [{"title": "Harbour", "paragraphs": [{
        "context": "The harbour reopened on Tuesday after the storm.",
        "qas": [{"id": "q1", "question": "When did the harbour reopen?", "answers": [{"text": "Tuesday", "answer_start": 27}]}],
    }]}]}
    gold = tmp_path / "squad.json"
    gold.write_text(json.dumps(squad))
    assert main(["eval", str(gold), "--index", str(tmp_path / "ix")]) == 2
    err = capsys.readouterr().err
    assert "never into another index" in err and err.count("\n") == 1
    assert len(load_index(tmp_path / "ix").documents) == 2


def test_eval_of_a_copy_of_a_set_never_adds_its_articles_to_the_originals_index(
    tmp_path: Path, embedder: MiniLMEmbeddings, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file of some of a set's questions names its articles' ids alike; from another file they are other documents."""
    from rag.cli import main

    squad = {"version": "1.1", "data": [{"title": "Harbour", "paragraphs": [{
        "context": "The harbour reopened on Tuesday after the storm.",
        "qas": [{"id": "q1", "question": "When did the harbour reopen?", "answers": [{"text": "Tuesday", "answer_start": 27}]}],
    }]}]}
    (tmp_path / "dev.json").write_text(json.dumps(squad))
    (tmp_path / "some.json").write_text(json.dumps(squad))
    index = tmp_path / "ix"
    assert main(["eval", str(tmp_path / "dev.json"), "--index", str(index), "--limit", "1"]) == 0
    capsys.readouterr()
    assert main(["eval", str(tmp_path / "some.json"), "--index", str(index)]) == 2
    err = capsys.readouterr().err
    assert "never into another index" in err and "harbour-0" in err and err.count("\n") == 1
    assert len(load_index(index).documents) == 1
    assert main(["eval", str(tmp_path / "dev.json"), "--index", str(index)]) == 0  # the set's own index, again


def test_an_index_inside_the_indexed_folder_is_not_ingested(tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    inside = articles_copy / "index" / "default"
    for _ in range(3):
        report = build(inside, [articles_copy], embedder)
        assert report.n_documents == 2
    assert any("an index folder" in s.reason for s in report.skipped)


def test_manifest_is_readable_by_other_users(tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    old = os.umask(0o022)
    try:
        build(tmp_path / "ix", [articles_copy], embedder)
    finally:
        os.umask(old)
    assert (tmp_path / "ix" / "manifest.json").stat().st_mode & 0o777 == 0o644


def test_readers_never_see_a_false_corrupt_index_during_builds(
    tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings
) -> None:
    import threading

    build(tmp_path / "ix", [articles_copy], embedder)
    stop = threading.Event()
    errors: list[str] = []
    loads = 0

    def read() -> None:
        nonlocal loads
        while not stop.is_set():
            try:
                load_index(tmp_path / "ix")
                loads += 1
            except Exception as error:  # noqa: BLE001 - every failure counts
                errors.append(f"{type(error).__name__}: {error}")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(6):
            (articles_copy / f"note-{i}.txt").write_text(f"Note {i}\nThe council met for the {i}th time on Monday.")
            build(tmp_path / "ix", [articles_copy], embedder)
    finally:
        stop.set()
        reader.join()
    assert loads > 0 and errors == []


def test_loads_in_several_threads_at_once_all_succeed(tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    # Without the loader's lock, numpy's header parsing failed here a few times in 900 loads
    # (CPython 3.11: "AST constructor recursion depth mismatch").
    import threading

    build(tmp_path / "ix", [articles_copy], embedder)
    errors: list[str] = []

    def read() -> None:
        for _ in range(300):
            try:
                load_index(tmp_path / "ix")
            except Exception as error:  # noqa: BLE001 - every failure counts
                errors.append(f"{type(error).__name__}: {error}")

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert errors == []


def test_a_run_with_no_changes_writes_nothing(tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    build(tmp_path / "ix", [articles_copy], embedder)
    before = {p.name for p in (tmp_path / "ix").iterdir()}
    manifest = (tmp_path / "ix" / "manifest.json").read_text()
    report = build(tmp_path / "ix", [articles_copy], embedder)
    assert report.unchanged == ["russia-china-drill-report", "zapad-interaction-2021-begins"] and report.n_documents == 2
    assert {p.name for p in (tmp_path / "ix").iterdir()} == before
    assert (tmp_path / "ix" / "manifest.json").read_text() == manifest


def test_a_tampered_document_text_fails_its_sha256(tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings) -> None:
    build(tmp_path / "ix", [articles_copy], embedder)
    gen = tmp_path / "ix" / read_manifest(tmp_path / "ix")["generation"]
    stored = (gen / "documents.jsonl").read_text("utf-8")
    (gen / "documents.jsonl").write_text(stored.replace("troops", "tr00ps", 1), "utf-8")  # same size
    with pytest.raises(IndexCorruptError, match="does not match its stored sha256"):
        load_index(tmp_path / "ix")


@pytest.mark.parametrize("generation", ["../outside", "/etc", "gen-x/../../y", 7])
def test_a_manifest_generation_that_is_not_a_folder_name_is_corrupt(
    tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings, generation: object
) -> None:
    build(tmp_path / "ix", [articles_copy], embedder)
    path = tmp_path / "ix" / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "generation": generation}))
    with pytest.raises(IndexCorruptError, match="is not a generation folder name"):
        load_index(tmp_path / "ix")


def test_build_index_defaults_match_settings() -> None:
    import inspect

    from rag import Settings

    parameters = inspect.signature(build_index).parameters
    for name in ("sentence_vectors", "chunk_vectors"):
        assert parameters[name].default == getattr(Settings(), name)


def _article(doc_id: str, n_sentences: int, topic: str, published: str = "2024-03-01", title: str = "") -> SourceDocument:
    text = " ".join(
        f"Report {k} on the {topic} says {k * 7 + len(doc_id)} crews worked near the {topic} site on day {k}."
        for k in range(n_sentences)
    )
    return SourceDocument(id=doc_id, title=title or doc_id.title(), source=f"wire/{doc_id}", text=text,
                          sha256=hashlib.sha256(text.encode()).hexdigest(), published=published)


def test_an_incremental_build_equals_a_fresh_build_of_the_same_documents(tmp_path: Path) -> None:
    """Kept documents' rows are renumbered and copied with their vectors: the result is a fresh build's, array for array."""
    embedder = HashingEmbeddings()  # a text's vector is the same in any batch, so the comparison can be exact
    topics = ["harbour", "railway", "election", "flood", "bridge", "museum", "vaccine", "airport"]
    base = [_article(f"a{i}", 6 + 9 * (i % 3), topic) for i, topic in enumerate(topics)]
    base.append(replace(base[2], id="a2-copy", source="wire/a2-copy", published="2024-02-01"))  # a syndicated copy
    build_index(tmp_path / "inc", LoadResult(documents=base), embeddings=embedder, chunker=CHUNKER, prune=False)
    changed = _article("a3", 11, "flood barrier")
    refreshed = replace(base[5], title="Museum reopens", published="2024-04-02")  # same text: kept, not embedded
    added = [_article("b0", 3, "strike"), _article("b1", 20, "wildfire")]
    report = build_index(tmp_path / "inc", LoadResult(documents=[changed, refreshed, *added]), embeddings=embedder,
                         chunker=CHUNKER, prune=False, remove=frozenset({"a0", "a4"}))
    assert report.updated == ["a3"] and report.added == ["b0", "b1"] and sorted(report.removed) == ["a0", "a4"]
    # Kept documents stay in their order (with their new metadata), then the embedded ones in the order given.
    final = [base[1], base[2], refreshed, base[6], base[7], base[8], changed, *added]
    build_index(tmp_path / "fresh", LoadResult(documents=final), embeddings=embedder, chunker=CHUNKER, prune=False)
    inc, fresh = load_index(tmp_path / "inc"), load_index(tmp_path / "fresh")
    assert inc.documents == fresh.documents == final
    assert inc.n_chunks > 2 * len(final)  # several chunks per document, so sentence ranges must move
    for name in ("chunk_rows", "sentence_rows", "chunk_vectors", "sentence_vectors", "signatures", "copy_of"):
        assert np.array_equal(getattr(inc, name), getattr(fresh, name)), name
    assert inc.term_df == fresh.term_df and inc.n_copies == fresh.n_copies == 1
    for row in range(inc.n_chunks):
        assert inc.chunk(row) == fresh.chunk(row)


def test_copy_groups_are_those_of_datasketch_lsh() -> None:
    """The numpy band grouping finds the groups one MinHashLSH query and insert per document found."""
    from datasketch import MinHash, MinHashLSH

    from rag._syndication import _SCHEME, NUM_PERM, THRESHOLD, copy_groups, signatures

    def reference(published: list[str | None], sigs: np.ndarray) -> list[int]:  # the implementation before issue #25
        parent = list(range(len(sigs)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        for i, row in enumerate(sigs):
            minhash = MinHash(num_perm=NUM_PERM, seed=1, hashvalues=row, scheme=_SCHEME)
            for key in lsh.query(minhash):
                if float(np.mean(sigs[i] == sigs[int(key)])) >= THRESHOLD:
                    parent[find(i)] = find(int(key))
            lsh.insert(str(i), minhash)
        canonical = list(range(len(sigs)))
        members: dict[int, list[int]] = {}
        for i in range(len(sigs)):
            members.setdefault(find(i), []).append(i)
        for group in members.values():
            first = min(group, key=lambda i: (published[i] is None, published[i] or "", i))
            for i in group:
                canonical[i] = first
        return canonical

    rng = np.random.default_rng(5)
    words = [f"w{k}" for k in range(400)]
    texts = [" ".join(rng.choice(words, 60)) for _ in range(120)] + ["", "", "too short", "too short"]
    sigs = signatures(texts)
    near = []
    for changed in [0, 10, 20, 24, 26, 28, 35, 60] * 6:  # copies more and less alike than the threshold
        row = sigs[rng.integers(120)].copy()
        row[rng.choice(NUM_PERM, changed, replace=False)] = rng.integers(0, 2**32, changed, dtype=np.uint64)
        near.append(row)
    sigs = np.concatenate([sigs, np.stack(near)])[rng.permutation(len(sigs) + len(near))]
    published = [None if k % 4 == 0 else f"2024-01-{k % 28 + 1:02d}" for k in range(len(sigs))]
    expected = reference(published, sigs)
    assert copy_groups(None, published, sigs) == expected
    assert sum(i != c for i, c in enumerate(expected)) > 20  # groups of several kinds were formed


class _CountingHashing(HashingEmbeddings):
    """HashingEmbeddings that counts the texts it embeds (the cost of a build is one forward pass per text)."""

    def __init__(self) -> None:
        self.embedded = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return super().embed_documents(texts)


def _two_word_sentences(n_bytes: int) -> str:
    words = ["Troops", "march", "Ships", "sail", "Rain", "falls", "Prices", "rise", "Crowds", "cheer", "Banks", "close"]
    out, size, i = [], 0, 0
    while size < n_bytes:
        sentence = f"{words[i % 12]} {words[(i * 7 + 3) % 12].lower()}."
        out.append(sentence)
        size += len(sentence) + 1
        i += 1
    return "Short sentences\n\n" + " ".join(out) + "\n"


def test_indexing_work_is_bounded_per_byte_for_two_word_sentences(tmp_path: Path) -> None:
    """Issue #29 R4: each two-word sentence was a forward pass of its own (34 KB: 9.9 s; 690 KB: past 240 s)."""
    import time

    from rag._ingest import SHORT_SENTENCES

    folder = tmp_path / "short"
    folder.mkdir()
    text = _two_word_sentences(1_000_000)
    (folder / "short.txt").write_text(text, encoding="utf-8")
    embeddings = _CountingHashing()
    started = time.monotonic()
    report = Assistant(tmp_path / "index", embeddings=embeddings).index([folder])
    took = time.monotonic() - started
    assert report.added == ["short"] and report.embedded_sentences == embeddings.embedded
    assert embeddings.embedded <= len(text) / SHORT_SENTENCES + 1  # the documented bound
    assert embeddings.embedded <= len(text) / 120  # here: groups of about a news sentence, not one pass per sentence
    assert took < 120, took  # the rest of a build is linear too (generous: a shared 2-core machine)
    index = Assistant.load(tmp_path / "index", embeddings=_CountingHashing()).snapshot()[0]
    assert len(index.sentence_rows) > 30_000  # quotes are still (the splitter's) whole sentences, one row each


def test_news_sentences_are_each_embedded_alone(make_assistant) -> None:  # type: ignore[no-untyped-def]
    """The floor never groups news: the bundled articles embed one text per sentence, as before."""
    assistant = make_assistant()
    report = assistant.index([bundled_articles_dir()])
    assert report.embedded_sentences == len(assistant.snapshot()[0].sentence_rows)


def test_the_dated_original_stands_for_its_undated_reprint() -> None:
    """"Dated before undated": an undated reprint listed first never becomes the story's copy, whatever the order."""
    from rag._syndication import copy_groups

    story = ("Troops from both countries will take part in the joint drill in August, officials said on Monday, "
             "and more than ten thousand soldiers are expected at the training base in the north.")
    other = "The harbour reopened on Tuesday after a three-day closure caused by the storm, port officials said."
    assert copy_groups([story, story + " Reuters", other], [None, "2021-08-02", None]) == [1, 1, 2]
    assert copy_groups([story, story + " Reuters"], ["2021-08-02", None]) == [0, 0]
    # Among dated copies the earliest stands for the group; among undated ones, the first indexed.
    assert copy_groups([story, story + " AP", story + " AFP"], ["2021-08-05", None, "2021-08-02"]) == [2, 2, 2]
    assert copy_groups([story, story + " AP"], [None, None]) == [0, 0]



@pytest.mark.parametrize("newcomer", ["council.md", "COUNCIL.TXT"])
def test_a_same_named_newcomer_never_renames_an_indexed_article(tmp_path: Path, embedder: Embeddings, newcomer: str) -> None:
    """Issue #29 R10: ``council.md`` beside an indexed ``council.txt`` takes the suffixed id; nothing is reported removed."""
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "council.txt").write_text("Council vote\n\nThe council approved the new bridge on Friday.\n", encoding="utf-8")
    assistant = Assistant(tmp_path / "index", embeddings=embedder)
    assert assistant.index([articles]).added == ["council"]
    (articles / newcomer).write_text("Council budget\n\nThe council cut the parks budget by a tenth.\n", encoding="utf-8")
    report = assistant.index([articles])
    assert report.removed == [] and report.updated == [] and report.unchanged == ["council"], report.summary()
    assert len(report.added) == 1 and report.added[0].startswith("council-")
    ids = {doc.id: Path(doc.source).name for doc in assistant.documents()}
    assert ids == {"council": "council.txt", report.added[0]: newcomer}


def test_a_suffixed_id_stays_when_the_file_it_clashed_with_goes(tmp_path: Path, embedder: Embeddings) -> None:
    """The other side of R10: ``council.txt`` indexed as ``council-<hash>`` beside ``council.md`` keeps that id."""
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "council.md").write_text("Council budget\n\nThe council cut the parks budget by a tenth.\n", encoding="utf-8")
    (articles / "council.txt").write_text("Council vote\n\nThe council approved the new bridge on Friday.\n", encoding="utf-8")
    assistant = Assistant(tmp_path / "index", embeddings=embedder)
    assistant.index([articles])
    first = {Path(d.source).name: d.id for d in assistant.documents()}
    assert first["council.md"] == "council" and first["council.txt"].startswith("council-")
    (articles / "council.md").unlink()
    report = assistant.index([articles])
    assert report.removed == ["council"] and report.unchanged == [first["council.txt"]] and report.added == []


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["Storm hits coast.", "Markets rise again."], [0, 1]),  # shorter than a shingle: their words decide
        (["Storm hits coast.", "Storm hits coast."], [0, 0]),
        (["one two three four five", "one two three four six"], [0, 1]),  # exactly one shingle each
        (["one two three four five six", "one two three four five seven"], [0, 1]),  # the last shingle differs
        (["", ""], [0, 0]),  # two empty texts are the same text
    ],
)
def test_copy_groups_of_short_texts_compare_their_words(texts: list[str], expected: list[int]) -> None:
    from rag._syndication import copy_groups

    assert copy_groups(texts, [None, None]) == expected


# ---------------------------------------------------------------- ingest behaviours, unit-sized (issue #30: mutation)
# Small hand-made documents and the lexical HashingEmbeddings: each build takes milliseconds, so these are the tests
# `scripts/mutation.sh ingest` runs for every mutant of rag/_ingest.py.


def _doc(doc_id: str, source: str, text: str = "", title: str = "", published: str | None = "2024-03-01") -> SourceDocument:
    text = text or f"The {doc_id} story is told in one sentence about {doc_id}."
    return SourceDocument(id=doc_id, title=title or doc_id.title(), source=source, text=text,
                          sha256=hashlib.sha256(text.encode()).hexdigest(), published=published)


def hashing_build(index_dir: Path, loaded: LoadResult, **kw: object):  # type: ignore[no-untyped-def]
    return build_index(index_dir, loaded, embeddings=HashingEmbeddings(), chunker=CHUNKER, **kw)  # type: ignore[arg-type]


def test_build_report_summary_and_date_warning_read_in_full() -> None:
    from rag._ingest import BuildReport
    from rag._loading import Skipped

    empty = BuildReport("ix")
    assert empty.summary() == "ix: 0 added, 0 updated, 0 removed, 0 unchanged, 0 skipped; 0 documents, 0 chunks (0.0s)"
    assert empty.date_warning() is None and empty.embedded_chunks == empty.embedded_sentences == 0
    report = BuildReport("index/news", added=["a", "b"], updated=["c"], removed=["d", "e", "f"], unchanged=["g"],
                         skipped=[Skipped("x.bin", "unsupported")], n_documents=4, n_chunks=9, seconds=1.26)
    assert report.summary() == ("index/news: 2 added, 1 updated, 3 removed, 1 unchanged, 1 skipped; "
                                "4 documents, 9 chunks (1.3s)")
    report.kept, report.n_copies = ["h"], 2
    assert report.summary() == ("index/news: 2 added, 1 updated, 3 removed, 1 unchanged, 1 kept, 1 skipped; "
                                "4 documents, 9 chunks, 2 syndicated copies grouped (1.3s)")
    assert report.date_warning() is None
    report.n_undated = 3
    assert report.date_warning() == (
        "3 of 4 documents have no publication date (date unknown): date filters skip them unless --include-undated; "
        "add (or fix, where a warning names one) `published:` front matter or a 'published' field")


def test_a_source_is_within_a_root_only_as_the_root_or_below_it() -> None:
    from rag._ingest import _within

    assert _within("/news/a.txt", ["/news"]) and _within("/news/a.txt", ["/news/"]) and _within("/news", ["/news"])
    assert _within("/news/2024/a.txt", ["/sport", "/news"]) and _within("/data/ABX/a.txt", ["/data/ABX"])
    assert not _within("/newsroom/a.txt", ["/news"]) and not _within("/news/a.txt", []) and not _within("/news", ["/news/a"])


@pytest.mark.parametrize(
    ("text_chars", "spans", "units"),
    [
        (128, [(0, 60), (61, 127)], [(0, 1), (1, 2)]),  # 64 characters a sentence on average: each alone
        (127, [(0, 60), (61, 127)], [(0, 2)]),  # just under: one group (the last sentence closes it)
        (151, [(0, 50), (51, 128), (129, 140), (141, 150)], [(0, 2), (2, 4)]),  # a group closes at exactly 128
        (151, [(0, 50), (51, 127), (129, 140), (141, 150)], [(0, 3), (3, 4)]),  # 127 is not enough
        (10, [(0, 9)], [(0, 1)]),  # one short sentence is its own group
        (0, [], []),
    ],
)
def test_embedding_units_group_short_sentences_to_128_characters(
    text_chars: int, spans: list[tuple[int, int]], units: list[tuple[int, int]]
) -> None:
    from rag._ingest import embedding_units

    assert embedding_units(text_chars, spans) == units


def test_pruning_removes_what_vanished_under_the_roots_or_from_disk_and_nothing_else(tmp_path: Path) -> None:
    news, other = tmp_path / "news", tmp_path / "other"
    news.mkdir()
    other.mkdir()
    (news / "p.txt").write_text("p")
    (other / "r.txt").write_text("r")
    docs = [_doc("p", str(news / "p.txt")), _doc("q", str(news / "q.txt")),  # q: under the root, not loaded
            _doc("r", str(other / "r.txt")), _doc("s", str(tmp_path / "gone" / "s.txt")),  # s: outside, file gone
            _doc("u", "https://example.com/u")]  # a URL is never "gone"
    hashing_build(tmp_path / "ix", LoadResult(documents=docs), prune=False)
    again = LoadResult(documents=[docs[0]], roots=[str(news)])

    kept = hashing_build(tmp_path / "ix", again, prune=False)
    assert kept.removed == [] and kept.unchanged == ["p"] and kept.n_documents == 5

    report = hashing_build(tmp_path / "ix", again)
    assert report.removed == ["q", "s"] and report.unchanged == ["p"] and report.added == report.updated == []
    assert report.kept == [] and report.n_documents == 3
    assert [d.id for d in load_index(tmp_path / "ix").documents] == ["p", "r", "u"]


def test_a_failed_file_keeps_its_documents_only_while_it_exists(tmp_path: Path) -> None:
    from rag._loading import Skipped

    feed, gone = tmp_path / "feed.json", tmp_path / "old.json"
    feed.write_text("[")
    docs = [_doc("feed-1", str(feed)), _doc("feed-2", str(feed)), _doc("old-1", str(gone)), _doc("x", str(tmp_path / "x.txt"))]
    (tmp_path / "x.txt").write_text("x")
    hashing_build(tmp_path / "ix", LoadResult(documents=docs))
    skipped = [Skipped(f"{feed}:2", "no text", file=str(feed)), Skipped(str(feed), "invalid JSON", file=str(feed)),
               Skipped(str(gone), "unreadable", file=str(gone)), Skipped("typo/", "no such file or folder")]
    report = hashing_build(tmp_path / "ix", LoadResult(documents=[docs[3]], skipped=skipped, roots=[str(tmp_path)]))
    assert report.kept == ["feed-1", "feed-2"] and report.removed == ["old-1"] and report.unchanged == ["x"]
    assert [s.reason for s in report.skipped] == [
        "no text; kept the 2 document(s) indexed from feed.json before "  # the file's name, not its record's
        "(fix the file to update them, or delete it to remove them)",
        "invalid JSON",  # one note per file, on its first line
        "unreadable",  # its file is gone: nothing was kept
        "no such file or folder",
    ]
    assert [d.id for d in load_index(tmp_path / "ix").documents] == ["feed-1", "feed-2", "x"]
    # Without pruning nothing is removed, and nothing is "kept" either: every document stays as it is.
    again = hashing_build(tmp_path / "ix", LoadResult(documents=[docs[3]], skipped=skipped[:1], roots=[str(tmp_path)]),
                           prune=False)
    assert again.kept == [] and again.removed == [] and again.skipped[0].reason == "no text"


def test_remove_deletes_only_ids_not_given_again_and_updates_replace(tmp_path: Path) -> None:
    docs = [_doc("a", "wire/a"), _doc("b", "wire/b"), _doc("c", "wire/c")]
    hashing_build(tmp_path / "ix", LoadResult(documents=docs), prune=False)
    changed = _doc("b", "wire/b", text="The b story changed: a second sentence was added about b.")
    report = hashing_build(tmp_path / "ix", LoadResult(documents=[docs[0], changed, _doc("d", "wire/d")]),
                            prune=False, remove=frozenset({"a", "c", "zzz"}))
    assert report.removed == ["c"] and report.unchanged == ["a"] and report.updated == ["b"] and report.added == ["d"]
    assert report.n_documents == 3 and report.embedded_chunks == 2  # b and d: one chunk each
    index = load_index(tmp_path / "ix")
    assert [d.id for d in index.documents] == ["a", "b", "d"] and index.documents[1].text.startswith("The b story changed")


def test_incoming_ids_are_made_distinct_from_other_sources_ids(tmp_path: Path) -> None:
    from rag._ingest import _distinct_ids

    old = [_doc("council", "/a/council.txt"), _doc("report", "/a/report.txt"), _doc("x", "/a/x.json"),
           _doc("x-2", "/a/x.json")]
    suffix = hashlib.sha1(b"/a/council.md").hexdigest()[:6]
    incoming = [
        _doc("council", "/a/council.md"),  # another file's id: suffixed with its own source's hash
        _doc("report-2", "/a/report.txt"),  # the same file, suffixed by the loader this time: its old id back
        _doc("x-3", "/a/x.json"),  # a file of several documents keeps the ids it gives
        _doc("new", "/a/new.txt"),
    ]
    assert [d.id for d in _distinct_ids(old, incoming)] == [f"council-{suffix}", "report", "x-3", "new"]
    assert _distinct_ids(None, incoming) == incoming
    # Two documents of one file: neither takes the file's old id.
    assert [d.id for d in _distinct_ids(old, [_doc("report-2", "/a/report.txt"), _doc("report-3", "/a/report.txt")])] == [
        "report-2", "report-3"]
    # An id that is its old id plus something other than "-...": kept.
    assert [d.id for d in _distinct_ids(old, [_doc("reports", "/a/report.txt")])] == ["reports"]


def test_an_unchanged_build_reports_the_index_as_it_stands(tmp_path: Path) -> None:
    docs = [_doc("a", "wire/a", published=None), _doc("b", "wire/b"),
            _doc("b-copy", "wire/b-copy", text=_doc("b", "").text, published="2024-04-01")]
    first = hashing_build(tmp_path / "ix", LoadResult(documents=docs, warnings=["x.md: invalid date 'soon'"]))
    assert (first.n_documents, first.n_chunks, first.n_undated, first.n_copies) == (3, 3, 1, 1)
    assert first.embedded_chunks == 3 and 0 < first.seconds < 60 and first.index_dir == str(tmp_path / "ix")
    assert first.warnings == ["x.md: invalid date 'soon'"]
    manifest = read_manifest(tmp_path / "ix")  # the documented defaults, as Settings has them
    assert (manifest["sentence_vectors"], manifest["chunk_vectors"]) == ("separate", "pooled")
    same = hashing_build(tmp_path / "ix", LoadResult(documents=docs))
    assert (same.n_documents, same.n_chunks, same.n_undated, same.n_copies) == (3, 3, 1, 1)
    assert same.unchanged == ["a", "b", "b-copy"] and same.embedded_chunks == 0 and 0 < same.seconds < 60
    # The tables as the store's layout documents them (rag/stores/_local.py), after a build that kept rows too.
    hashing_build(tmp_path / "ix", LoadResult(documents=[docs[0], docs[1], _doc("c", "wire/c")]), prune=False)
    index = load_index(tmp_path / "ix")
    assert [d.id for d in index.documents] == ["a", "b", "b-copy", "c"] and index.copy_of.tolist() == [0, 1, 1, 3]
    assert (index.chunk_rows.dtype, index.sentence_rows.dtype, index.copy_of.dtype) == (np.int32, np.int32, np.int32)
    assert (index.chunk_vectors.dtype, index.sentence_vectors.dtype, index.signatures.dtype) == (
        np.float32, np.float16, np.uint64)


def test_a_damaged_index_is_rebuilt_from_the_sources_given_with_a_note(tmp_path: Path) -> None:
    docs = [_doc("a", "wire/a"), _doc("b", "wire/b")]
    hashing_build(tmp_path / "ix", LoadResult(documents=docs))
    generation = read_manifest(tmp_path / "ix")["generation"]
    (tmp_path / "ix" / generation / "chunks.npy").write_bytes(b"broken")
    report = hashing_build(tmp_path / "ix", LoadResult(documents=docs[1:]))
    (note,) = report.notes
    assert note.startswith(f"the index at {tmp_path / 'ix'} was damaged (chunks.npy is 6 bytes, manifest says ")
    assert note.endswith("): rebuilt it from the sources given; index any other folders or URLs it held again")
    assert "--rebuild" not in note and report.added == ["b"] and report.removed == []
    assert [d.id for d in load_index(tmp_path / "ix").documents] == ["b"]


def test_removing_every_document_leaves_an_empty_index_of_the_models_dimension(tmp_path: Path) -> None:
    class Plain(Embeddings):
        """The hashing model without a ``dimension`` attribute: its size is probed with one query."""

        def __init__(self) -> None:
            self.inner, self.queries = HashingEmbeddings(), []

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.inner.embed_documents(texts)

        def embed_query(self, text: str) -> list[float]:
            self.queries.append(text)
            return self.inner.embed_query(text)

    docs = [_doc("a", "wire/a"), _doc("b", "wire/b")]
    plain = Plain()
    build_index(tmp_path / "ix", LoadResult(documents=docs), embeddings=plain, chunker=CHUNKER)
    assert plain.queries == []  # the new vectors tell the dimension
    retitled = build_index(tmp_path / "ix", LoadResult(documents=[replace(docs[0], title="A2")]), embeddings=plain,
                           chunker=CHUNKER, remove=frozenset({"b"}), prune=False)
    assert retitled.removed == ["b"] and retitled.embedded_chunks == 0 and plain.queries == []  # a kept vector tells it
    assert load_index(tmp_path / "ix").documents[0].title == "A2"
    report = build_index(tmp_path / "ix", LoadResult(), embeddings=plain, chunker=CHUNKER, remove=frozenset({"a"}))
    assert report.removed == ["a"] and report.n_documents == report.n_chunks == 0 and plain.queries == []  # the manifest tells
    index = load_index(tmp_path / "ix")
    assert index.chunk_vectors.shape == (0, 64) and index.sentence_vectors.shape == (0, 64)
    assert index.manifest["dimension"] == 64 and index.signatures is not None and index.signatures.shape == (0, 128)
    # With a dimension attribute, no probe.
    class Declared(HashingEmbeddings):
        def embed_query(self, text: str) -> list[float]:
            raise AssertionError("the model declares its dimension: no query needed")

    build_index(tmp_path / "iy", LoadResult(documents=docs), embeddings=Declared(), chunker=CHUNKER)
    emptied = build_index(tmp_path / "iy", LoadResult(), embeddings=Declared(), chunker=CHUNKER, remove=frozenset({"a", "b"}))
    assert emptied.n_chunks == 0 and load_index(tmp_path / "iy").chunk_vectors.shape == (0, 64)


def test_vectors_copies_kept_rows_block_by_block_then_the_new_ones() -> None:
    from rag._ingest import _vectors

    stored = np.arange(18, dtype=np.float32).reshape(6, 3) / 17
    new = np.full((2, 3), 0.5, dtype=np.float32)
    out = _vectors(stored, np.array([4, 0, 3, 5, 1]), new, 3, np.float16, block=2)
    assert out.dtype == np.float16 and out.shape == (7, 3)
    assert np.array_equal(out, np.concatenate([stored[[4, 0, 3, 5, 1]], new]).astype(np.float16))
    assert _vectors(None, np.zeros(0, dtype=np.int64), None, 3, np.float32).shape == (0, 3)
    assert np.array_equal(_vectors(stored, np.array([2]), None, 3, np.float32), stored[[2]])


def test_plan_update_embeds_only_new_documents_numbered_from_zero() -> None:
    from rag._ingest import plan_update
    from rag._loading import Skipped

    stored = [_doc("a", "wire/a"), _doc("b", "wire/b"), _doc("c", "wire/c"), _doc("d", "wire/d"),
              _doc("gone", "/no/such/folder/gone.txt")]  # its file is gone: pruned
    retitled = replace(stored[0], title="A, retitled")
    changed = _doc("c", "wire/c", text="The c story changed. It now has a second sentence about the c harbour.")
    new = _doc("e", "wire/e", text="The e story is new, and its first sentence is a long one about the harbour and ships. "
                                  "Ships waited offshore for three whole days before the storm passed over the port.")
    loaded = LoadResult(documents=[retitled, stored[1], changed, new], skipped=[Skipped("z.bin", "unsupported")],
                        warnings=["w.txt: invalid date 'soon'"])
    asked: list[int] = []

    def differs(place: int, incoming: SourceDocument) -> bool:
        asked.append(place)
        return incoming.title != stored[place].title

    update = plan_update(stored, loaded, embeddings=HashingEmbeddings(), chunker=CHUNKER, differs=differs,
                         remove=frozenset({"d"}), index_dir="postgresql://db")
    assert asked == [0, 1] and update.refresh == {0: retitled}
    assert update.remove == [2, 3, 4] and [d.id for d in update.documents] == ["c", "e"] and update.changes
    report = update.report
    assert report.index_dir == "postgresql://db" and report.updated == ["c"] and report.added == ["e"]
    assert report.unchanged == ["a", "b"] and report.removed == ["d", "gone"]
    assert [str(s) for s in report.skipped] == ["skipped z.bin: unsupported"] and report.warnings == loaded.warnings
    chunks, sentences = update.rows.chunk_rows, update.rows.sentence_rows
    assert [rows[:, 0].tolist() for rows in chunks] == [[0], [1]]  # documents numbered from 0
    assert np.concatenate(sentences)[:, 0].tolist() == [0, 0, 1, 1]
    assert chunks[0][0, 3:5].tolist() == [0, 2] and chunks[1][0, 3:5].tolist() == [2, 4]  # sentence rows from 0
    vectors = update.rows.sentence_vectors
    assert vectors is not None and vectors.dtype == np.float32 and vectors.shape == (4, 64)
    assert np.array_equal(vectors, vectors.astype(np.float16).astype(np.float32))  # rounded as a folder stores them
    assert not np.array_equal(vectors, np.asarray(HashingEmbeddings().embed_documents(
        [changed.text[s:e] for _, s, e in sentences[0].tolist()] + [new.text[s:e] for _, s, e in sentences[1].tolist()]),
        dtype=np.float32))  # (the rounding changed something)
    # Pooled chunk vectors (the default): the normalized mean of the chunk's sentence vectors.
    for rows, chunk_vector in zip(chunks, update.rows.chunk_vectors):  # type: ignore[arg-type]
        first, end = rows[0, 3:5]
        mean = vectors[first:end].mean(0)
        assert np.allclose(chunk_vector, mean / np.linalg.norm(mean), atol=2e-3)
    assert not np.allclose(update.rows.chunk_vectors[1], HashingEmbeddings().embed_documents([new.text])[0], atol=2e-3)
    # Two chunks; c's sentences average under 64 characters (one unit), e's don't (one unit each).
    assert update.signatures.shape == (2, 128) and report.embedded_chunks == 2 and report.embedded_sentences == 3

    nothing = plan_update(None, LoadResult(), embeddings=HashingEmbeddings(), chunker=CHUNKER, differs=differs)
    assert not nothing.changes and nothing.remove == [] and nothing.rows.sentence_vectors is None
    assert nothing.signatures.shape == (0, 128) and nothing.report.index_dir == ""


def test_a_build_with_another_chunker_or_layout_is_refused_unless_rebuilt(tmp_path: Path) -> None:
    docs = [_doc("a", "wire/a"), _doc("b", "wire/b")]
    hashing_build(tmp_path / "ix", LoadResult(documents=docs))
    for options in ({"chunker": TokenChunker(64, 8)}, {"sentence_vectors": "contextual"}, {"chunk_vectors": "embedded"}):
        with pytest.raises(IndexMismatchError, match="--rebuild"):
            build_index(tmp_path / "ix", LoadResult(documents=docs), embeddings=HashingEmbeddings(),
                        **{"chunker": CHUNKER, **options})  # type: ignore[arg-type]
    with pytest.raises(IndexMismatchError) as caught:
        build_index(tmp_path / "ix", LoadResult(documents=docs), embeddings=_Renamed(), chunker=CHUNKER)
    assert str(caught.value) == (f"index at {tmp_path / 'ix'} was built with embedding model 'hashing-64', not "
                                 f"'hashing-64-v2': rebuild it with `rag index PATH --index {tmp_path / 'ix'} --rebuild`")
    report = build_index(tmp_path / "ix", LoadResult(documents=docs[1:]), embeddings=HashingEmbeddings(),
                         chunker=TokenChunker(64, 8), rebuild=True)
    assert report.added == ["b"] and report.removed == report.unchanged == [] and report.n_documents == 1
    index = load_index(tmp_path / "ix")
    assert index.manifest["chunker"] == TokenChunker(64, 8).settings() and [d.id for d in index.documents] == ["b"]


class _Renamed(HashingEmbeddings):
    model_name = "hashing-64-v2"


def test_an_index_path_that_is_a_file_is_one_line_and_left_alone(tmp_path: Path) -> None:
    from rag import IndexWriteError

    (tmp_path / "ix").write_text("my notes")
    with pytest.raises(IndexWriteError) as caught:
        hashing_build(tmp_path / "ix", LoadResult(documents=[_doc("a", "wire/a")]))
    assert str(caught.value) == f"the index path {tmp_path / 'ix'} is a file, not a folder: pass a folder with --index"
    assert isinstance(caught.value.__cause__, OSError) and (tmp_path / "ix").read_text() == "my notes"
    with pytest.raises(IndexWriteError) as caught:  # a folder above it is a file: the OS error's code tells
        hashing_build(tmp_path / "ix" / "inner", LoadResult(documents=[_doc("a", "wire/a")]))
    assert str(caught.value) == (f"a part of the index path {tmp_path / 'ix' / 'inner'} is a file, not a folder: "
                                 "pass a folder with --index")


def test_separate_sentence_vectors_and_embedded_chunks_are_each_the_models_own(
    tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings
) -> None:
    """``sentence_vectors="separate"`` with ``chunk_vectors="embedded"``: two passes, each text embedded alone.

    (With MiniLM itself, which could pool sentence vectors from the chunk pass, and does only when asked to.)
    """
    report = build_index(tmp_path / "ix", load_paths([articles_copy]), embeddings=embedder, chunker=CHUNKER,
                         sentence_vectors="separate", chunk_vectors="embedded")
    data = load_index(tmp_path / "ix")
    assert report.embedded_chunks == data.n_chunks and report.embedded_sentences == len(data.sentence_rows)
    for row in (0, data.n_chunks - 1):
        assert float(embedder.encode([data.chunk(row).text])[0] @ data.chunk_vectors[row]) > 0.9999
    for row in (0, 7):
        assert float(embedder.encode([data.sentence_text(row)])[0] @ data.sentence_vectors_of([row])[0]) > 0.9999
