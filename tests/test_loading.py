"""Loading each format, and every kind of bad input, without aborting the run."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest

from rag import bundled_articles_dir, load_paths
from rag._loading import Skipped
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


def test_front_matter_keys_are_read_in_any_case(tmp_path: Path) -> None:
    """``Title:``, ``Date:``, ``Source:`` as editors write them are the same fields as ``title:``, ``date:``…"""
    (tmp_path / "upper.md").write_text("---\nTitle: Storm hits coast\nDate: May 1, 2024\nSource: Harbour Times\n"
                                       "AUTHOR: Dana Reyes\nURL: https://example.com/storm\n---\nThe storm hit the coast on Monday.\n")
    (tmp_path / "mixed.txt").write_text("---\nPUBLISHED: 2023-03-14\nOutlet: Auto Daily\n---\nRecall widens\n\nThe recall grew.\n")
    docs = {d.id: d for d in load_paths([tmp_path]).documents}
    upper, mixed = docs["upper"], docs["mixed"]
    assert (upper.title, upper.published, upper.outlet, upper.author, upper.url) == (
        "Storm hits coast", "2024-05-01", "Harbour Times", "Dana Reyes", "https://example.com/storm")
    assert upper.text == "The storm hit the coast on Monday."
    assert (mixed.title, mixed.published, mixed.outlet) == ("Recall widens", "2023-03-14", "Auto Daily")


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
    (skipped,) = result.skipped  # one line for the file, naming each bad line
    assert skipped.source == str(tmp_path / "mixed.jsonl")
    assert skipped.reason.startswith("3 of 4 records skipped (line 2: invalid JSON")
    assert "line 3: no 'text' or 'body' string" in skipped.reason and "line 4: not a JSON object" in skipped.reason


def test_a_file_with_no_usable_record_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "feed.jsonl").write_text("\n".join(['{"title": "a"}'] * 5))
    (skipped,) = load_paths([tmp_path]).skipped
    assert skipped.reason.startswith("none of its 5 record(s) is usable (line 1: no 'text' or 'body' string; line 2:")
    assert skipped.reason.endswith("and 2 more); records need a 'text' or 'body' string")


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
        (str(tmp_path / "feed.jsonl"), str(tmp_path / "feed.jsonl")),
        (str(tmp_path / "missing.txt"), None),
    ]


# Issue #13: encodings, odd directory entries and file names, and pypdf's own output.


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_text_with_a_byte_order_mark_is_decoded(tmp_path: Path, encoding: str) -> None:
    text = "Ünïcode storm hits coast\n\nThe storm hit the coast on Monday, 5 € damage."
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # these codecs write no mark; add the one the file would carry
        data = ("\ufeff" + text).encode(encoding)
    (tmp_path / "storm.txt").write_bytes(data)
    result = load_paths([tmp_path])
    assert not result.skipped
    (doc,) = result.documents
    assert doc.title == "Ünïcode storm hits coast"
    assert doc.text == text and "\ufeff" not in doc.text


def test_utf16_json_records_are_decoded(tmp_path: Path) -> None:
    (tmp_path / "feed.json").write_bytes(json.dumps({"title": "Rates rise", "text": "The bank raised rates."}).encode("utf-16"))
    (doc,) = load_paths([tmp_path]).documents
    assert doc.title == "Rates rise"


def test_damaged_utf16_is_one_clear_skip(tmp_path: Path) -> None:
    (tmp_path / "cut.txt").write_bytes("Title\nBody text.".encode("utf-16")[:-1])  # odd byte count
    (skipped,) = load_paths([tmp_path]).skipped
    assert skipped.reason.startswith("starts with a UTF-16 LE byte order mark but is not valid UTF-16 LE")
    assert skipped.reason.endswith("re-save it as UTF-8")


def test_links_and_fifos_in_a_folder_are_skipped_with_a_reason(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "far.txt").write_text("Far title\nFar text.")
    docs.mkdir()
    (docs / "good.txt").write_text("Good title\nA good sentence.")
    os.symlink(docs / "good.txt", docs / "alias.txt")  # a link to a file is read like the file
    os.symlink(docs / "missing.txt", docs / "dangling.txt")
    os.symlink(docs / "loop.txt", docs / "loop.txt")
    os.symlink(tmp_path / "elsewhere", docs / "linked-folder")
    has_fifo = hasattr(os, "mkfifo")
    if has_fifo:
        os.mkfifo(docs / "pipe.txt")  # opening it would wait for a writer forever
    result = load_paths([docs])
    assert sorted(d.id for d in result.documents) == ["alias", "good"]
    reasons = {Path(s.source).name: s for s in result.skipped}
    assert reasons["dangling.txt"].reason == "dangling symbolic link (its target does not exist); fix or remove the link"
    assert reasons["loop.txt"].reason == "symbolic link loop; fix or remove the link"
    assert reasons["linked-folder"].reason.startswith("symbolic link to a folder, not followed")
    assert reasons["dangling.txt"].file is None and reasons["loop.txt"].file is None
    if has_fifo:
        assert reasons["pipe.txt"].reason == "not a regular file (FIFO); give regular files only"
    assert len(result.skipped) == 3 + has_fifo
    assert all("\n" not in str(s) for s in result.skipped)


def test_a_link_to_a_file_outside_the_folder_is_skipped_unless_given_directly(tmp_path: Path) -> None:
    """Issue #29: a link in a folder to a file outside it (``/etc/passwd`` was indexed) is one warning naming both."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("Good title\nA good sentence.")
    secret = tmp_path / "private" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text("Private notes\nThe safe code is 1234.")
    os.symlink(secret, docs / "notes.txt")
    os.symlink("/etc/passwd", docs / "passwd.txt")
    result = load_paths([docs])
    assert [d.id for d in result.documents] == ["good"]
    reasons = {Path(s.source).name: s for s in result.skipped}
    assert reasons["notes.txt"].reason == (f"symbolic link to {secret}, outside the folder: not followed; "
                                          "give that file itself to index it")
    assert "/etc/passwd" in reasons["passwd.txt"].reason and reasons["passwd.txt"].file is None
    assert all(str(docs) in str(s) and "\n" not in str(s) for s in result.skipped)
    direct = load_paths([docs / "notes.txt"])  # the user asked for that file: it is read
    assert [d.title for d in direct.documents] == ["Private notes"] and not direct.skipped


def test_links_and_fifos_given_directly_are_skipped_with_a_reason(tmp_path: Path) -> None:
    os.symlink(tmp_path / "missing.txt", tmp_path / "dangling.txt")
    os.symlink(tmp_path / "loop.txt", tmp_path / "loop.txt")
    given = [tmp_path / "dangling.txt", tmp_path / "loop.txt"]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.txt")
        given.append(tmp_path / "pipe.txt")
    result = load_paths(given)
    assert not result.documents
    assert [s.reason.split(";")[0] for s in result.skipped] == [
        "dangling symbolic link (its target does not exist)", "symbolic link loop", "not a regular file (FIFO)"
    ][: len(given)]


def test_a_newline_in_a_file_name_stays_inside_one_quoted_line(tmp_path: Path) -> None:
    name, escape = "evil\nwarning: fake.bin", "esc\x1b[2J.txt"
    (tmp_path / name).write_bytes(b"x")
    (tmp_path / escape).write_bytes(b"\x00binary")
    result = load_paths([tmp_path])
    by_name = {Path(s.source).name: s for s in result.skipped}
    assert by_name[name].source == str(tmp_path / name)  # the source itself is unchanged, for matching
    assert str(by_name[name]) == (
        f"skipped {str(tmp_path / name)!r}: unsupported file type .bin; use one of .txt, .md, .markdown, .html, .htm, .pdf, .json, .jsonl"
    )
    assert str(by_name[escape]).startswith(f"skipped {str(tmp_path / escape)!r}: binary file")
    assert all("\n" not in str(s) and "\x1b" not in str(s) for s in result.skipped)
    assert str(Skipped(str(tmp_path / "plain name.txt"), "r")) == f"skipped {tmp_path / 'plain name.txt'}: r"


@pytest.mark.parametrize("cut", [200, 400])
def test_a_damaged_pdf_is_one_skip_without_pypdf_output(
    tmp_path: Path, cut: int, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "broken.pdf").write_bytes(make_pdf(["Council approves new bridge", "It will cost 12 million."])[:cut])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = load_paths([tmp_path])
    (skipped,) = result.skipped
    assert skipped.reason.startswith("unreadable PDF (") and skipped.reason.endswith("; fix or remove the file")
    assert "\n" not in str(skipped)
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]  # e.g. "EOF marker not found"
    assert not [w for w in caught if "pypdf" in str(w.filename)]
    assert capfd.readouterr().err == ""


def test_gb18030_text_is_decoded_not_mojibake(tmp_path: Path) -> None:
    """Issue #29 R12: Chinese in GB18030 decoded as Windows-1252 gave '±±¾©'; Western Windows-1252 stays as it was."""
    text = "北京市议会批准新桥梁\n\n北京市议会周五以九票对两票批准了新桥梁。会议持续了三个小时。"
    (tmp_path / "gb.txt").write_bytes(text.encode("gb18030"))
    (tmp_path / "cp.txt").write_bytes("Café déjà vu\n\nThe council approved the “new” bridge.".encode("cp1252"))
    docs = {d.id: d for d in load_paths([tmp_path]).documents}
    assert docs["gb"].title == "北京市议会批准新桥梁" and docs["gb"].text == text
    assert docs["cp"].title == "Café déjà vu"


def test_cr_only_line_ends_keep_the_title_a_line_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "mac.txt").write_bytes(b"Council vote\r\rThe council approved the new bridge on Friday.\r")
    (doc,) = load_paths([tmp_path]).documents
    assert doc.title == "Council vote" and doc.text == "Council vote\n\nThe council approved the new bridge on Friday."


def test_front_matter_lists_are_joined_and_maps_are_a_warning(tmp_path: Path) -> None:
    (tmp_path / "flow.md").write_text("---\nauthor: [Ann Lee, \"Bo Chan\"]\ntitle: Bridge\n---\nThe council met.\n")
    (tmp_path / "block.md").write_text("---\nauthors:\n  - Ann Lee\n  - Bo Chan\noutlet:\n  name: Daily\n"
                                       "title: Vote\n---\nThe council voted.\n")
    result = load_paths([tmp_path])
    docs = {d.id: d for d in result.documents}
    assert docs["flow"].author == docs["block"].author == "Ann Lee, Bo Chan"
    assert docs["block"].title == "Vote" and docs["block"].outlet is None and docs["block"].text == "The council voted."
    assert result.warnings == [f"{tmp_path / 'block.md'}: front matter outlet is a map, which is not read; "
                               "write it as one value (outlet: …) or a list"]


def test_unclosed_front_matter_is_read_not_a_title_of_dashes(tmp_path: Path) -> None:
    (tmp_path / "open.md").write_text("---\ntitle: Storm\ndate: 2024-05-01\n\nThe storm hit the coast.\n")
    (tmp_path / "rule.txt").write_text("---\n\nFloods close the valley road\n\nThe road is shut.\n")
    docs = {d.id: d for d in load_paths([tmp_path]).documents}
    assert (docs["open"].title, docs["open"].published, docs["open"].text) == ("Storm", "2024-05-01", "The storm hit the coast.")
    assert docs["rule"].title == "Floods close the valley road"


def test_a_pdf_without_a_text_layer_says_run_ocr(tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(make_pdf([]))
    result = load_paths([tmp_path])
    assert not result.documents
    assert "has no text layer" in result.skipped[0].reason and "run OCR first" in result.skipped[0].reason
