"""Loading each format, and every kind of bad input, without aborting the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import bundled_articles_dir, load_paths
from tests.helpers import ARTICLE_HTML, make_pdf


def test_bundled_articles_have_stable_ids_titles_and_hashes() -> None:
    result = load_paths([bundled_articles_dir()])
    assert [d.id for d in result.documents] == ["russia-china-drill-report", "zapad-interaction-2021-begins"]
    first = result.documents[0]
    assert first.title == "Russia Now Training Troops Alongside Communist China, New Report Details"
    assert len(first.sha256) == 64 and first.source.endswith("russia-china-drill-report.txt")
    assert not result.skipped
    # The Moscow Times donation appeal is site boilerplate, not article text.
    assert "Remind me later" not in result.documents[1].text


def test_txt_and_md(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Storm hits coast\n\nThe storm hit the coast on Monday.\n")
    (tmp_path / "b.md").write_text("# Budget passes\n\nThe budget passed by 52 votes to 48.\n")
    docs = {d.id: d for d in load_paths([tmp_path]).documents}
    assert docs["a"].title == "Storm hits coast"
    assert docs["a"].text == "Storm hits coast\n\nThe storm hit the coast on Monday."
    assert docs["b"].title == "Budget passes"


def test_html_main_text_without_navigation(tmp_path: Path) -> None:
    (tmp_path / "harbour.html").write_text(ARTICLE_HTML)
    (doc,) = load_paths([tmp_path]).documents
    assert doc.title == "Harbour reopens after storm"
    assert "forty-two cargo ships" in doc.text and "3 million euros" in doc.text
    assert "Cookie settings" not in doc.text and "Sport" not in doc.text


def test_pdf(tmp_path: Path) -> None:
    lines = ["Council approves new bridge", "The council approved the bridge on Friday.", "It will cost 12 million."]
    (tmp_path / "bridge.pdf").write_bytes(make_pdf(lines, title="Bridge vote"))
    (doc,) = load_paths([tmp_path]).documents
    assert doc.title == "Bridge vote"
    assert "approved the bridge on Friday" in doc.text and "12 million" in doc.text


def test_json_and_jsonl_records(tmp_path: Path) -> None:
    records = [
        {"id": "r1", "title": "Rates rise", "text": "The bank raised rates.", "url": "https://x/1", "published": "2024-01-02"},
        {"title": "Rates fall", "body": "The bank cut rates."},
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    (tmp_path / "one.json").write_text(json.dumps({"title": "Single", "text": "Only one record."}))
    result = load_paths([tmp_path])
    docs = {d.id: d for d in result.documents}
    assert set(docs) == {"r1", "feed-2", "one"}
    assert docs["r1"].url == "https://x/1" and docs["r1"].published == "2024-01-02"
    assert docs["r1"].text == "Rates rise\n\nThe bank raised rates."
    assert docs["feed-2"].title == "Rates fall" and docs["feed-2"].text.endswith("The bank cut rates.")


def test_bad_records_are_skipped_with_line_numbers(tmp_path: Path) -> None:
    lines = ['{"title": "ok", "text": "Fine text."}', "{not json", '{"title": "no body"}', "[1, 2]", ""]
    (tmp_path / "mixed.jsonl").write_text("\n".join(lines))
    result = load_paths([tmp_path])
    assert [d.title for d in result.documents] == ["ok"]
    reasons = {s.source.rsplit(":", 1)[1]: s.reason for s in result.skipped}
    assert reasons["2"].startswith("invalid JSON")
    assert "no 'text' or 'body'" in reasons["3"]
    assert "not a JSON object" in reasons["4"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n\t  \n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        ("image.png", b"\x89PNG\r\n", "unsupported file type .png"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "unreadable PDF"),
        ("broken.json", b'{"title": "x", ', "invalid JSON"),
        ("noext", b"plain", "unsupported file type (none)"),
    ],
)
def test_bad_files_are_skipped_not_fatal(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("Good title\nA good sentence.")
    result = load_paths([tmp_path])
    assert [d.id for d in result.documents] == ["good"]
    (skipped,) = result.skipped
    assert skipped.source.endswith(name) and reason in skipped.reason
    assert "\n" not in str(skipped)


def test_oversized_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "huge.txt").write_text("word " * 1000)
    result = load_paths([tmp_path], max_file_bytes=1000)
    assert not result.documents
    assert "over the" in result.skipped[0].reason


def test_missing_path_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / ".hidden.txt").write_text("Secret")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("Internal")
    result = load_paths([tmp_path, tmp_path / "missing"])
    assert not result.documents
    assert [s.reason for s in result.skipped] == ["no such file or folder"]


def test_cp1252_text_is_decoded(tmp_path: Path) -> None:
    (tmp_path / "legacy.txt").write_bytes("Café prices rose 5 € last week.".encode("cp1252"))
    (doc,) = load_paths([tmp_path]).documents
    assert doc.text == "Café prices rose 5 € last week."


def test_id_clash_between_sources_is_disambiguated(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "same.txt").write_text("One\nFirst.")
    (tmp_path / "y" / "same.txt").write_text("Two\nSecond.")
    result = load_paths([tmp_path / "x" / "same.txt", tmp_path / "y" / "same.txt"])
    ids = [d.id for d in result.documents]
    assert ids[0] == "same" and ids[1].startswith("same-") and len(set(ids)) == 2
    # Nested folders give path-based ids, stable across machines.
    assert {d.id for d in load_paths([tmp_path]).documents} == {"x-same", "y-same"}


@pytest.mark.parametrize("name", ["bad.json", "bad.jsonl"])
def test_a_parser_failure_costs_only_that_file(tmp_path: Path, name: str) -> None:
    """Deep nesting makes json raise RecursionError, not JSONDecodeError: still one skip, not an abort."""
    (tmp_path / name).write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "good.txt").write_text("Good title\nA good sentence.")
    result = load_paths([tmp_path])
    assert [d.id for d in result.documents] == ["good"]
    (skipped,) = result.skipped
    assert skipped.source == str(tmp_path / name) and skipped.file == str(tmp_path / name)
    assert skipped.reason == "nested too deeply to parse; fix or remove the file"
    assert "\n" not in str(skipped)


def test_skips_name_the_file_they_concern(tmp_path: Path) -> None:
    """A re-index keeps a failed file's documents by this field, so records and missing paths must be right."""
    (tmp_path / "feed.jsonl").write_text('{"title": "ok", "text": "Fine text."}\n{"title": "no body"}\n')
    result = load_paths([tmp_path, tmp_path / "missing.txt"])
    assert [(s.source, s.file) for s in result.skipped] == [
        (f"{tmp_path / 'feed.jsonl'}:2", str(tmp_path / "feed.jsonl")),
        (str(tmp_path / "missing.txt"), None),
    ]
