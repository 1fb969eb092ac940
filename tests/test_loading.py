"""Loading each format, and every kind of bad input, without aborting the run."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import socket
import warnings
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from rag import bundled_articles_dir, load_paths
from rag._loading import Skipped, _parse_failure, cut_title, front_matter
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
        f"skipped {str(tmp_path / name)!r}: unsupported file type .bin; use one of .txt, .md, .markdown, .html, .htm, .pdf, .json, .jsonl, .csv"
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


# Issue #30: behaviours the mutation run of rag/_loading.py showed untested (ids, limits, messages, metadata).


def _sha6(path: Path) -> str:
    return hashlib.sha1(str(path).encode()).hexdigest()[:6]


def test_a_clashing_id_gets_its_source_hash_then_a_counter(tmp_path: Path) -> None:
    (tmp_path / "feed.json").write_text(json.dumps([{"id": "a", "text": f"Story {n}."} for n in (1, 2, 3, 4)]))
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "same.txt").write_text("One\nFirst.")
    (tmp_path / "y" / "same.txt").write_text("Two\nSecond.")
    feed = tmp_path / "feed.json"
    assert [d.id for d in load_paths([feed]).documents] == ["a", f"a-{_sha6(feed)}", "a-2", "a-3"]
    # Two files given by name: the second one's id carries a short hash of its path.
    result = load_paths([tmp_path / "x" / "same.txt", tmp_path / "y" / "same.txt"])
    assert [(d.id, d.title) for d in result.documents] == [("same", "One"), (f"same-{_sha6(tmp_path / 'y' / 'same.txt')}", "Two")]


def test_ids_are_the_lower_case_slug_of_the_path_under_the_given_folder(tmp_path: Path) -> None:
    (tmp_path / "News Desk").mkdir()
    (tmp_path / "News Desk" / "Über Story.v2.TXT").write_text("Storm\nThe storm hit.")
    (tmp_path / "---.txt").write_text("Rule\nOnly dashes in the name.")
    (tmp_path / "_Budget_.md").write_text("Budget\nThe budget passed.")
    ids = {d.title: d.id for d in load_paths([tmp_path]).documents}
    assert ids == {"Storm": "news-desk-ber-story-v2", "Rule": "document", "Budget": "budget"}
    (doc,) = load_paths([tmp_path / "News Desk" / "Über Story.v2.TXT"]).documents  # a file given: its name alone
    assert doc.id == "ber-story-v2"


@pytest.mark.parametrize(
    ("size", "limit", "reason"),
    [
        (1000, 1000, None),  # at the limit: read
        (1001, 1000, "file is 0.001 MB, over the 0.001 MB limit (raise max_file_mb)"),
        (5243, 1048, "file is 0.005 MB, over the 0.001 MB limit (raise max_file_mb)"),
        (1600, 1500, "file is 0.002 MB, over the 0.001 MB limit (raise max_file_mb)"),  # three decimals, not four
        (2**20 + 1, 2**20, "file is 1 MB, over the 1 MB limit (raise max_file_mb)"),
        (3 * 2**19, 2**20, "file is 1.5 MB, over the 1 MB limit (raise max_file_mb)"),
    ],
)
def test_the_size_limit_and_its_message(tmp_path: Path, size: int, limit: int, reason: str | None) -> None:
    (tmp_path / "big.txt").write_text("Big\n" + "w" * (size - 4))
    result = load_paths([tmp_path], max_file_bytes=limit)
    assert [s.reason for s in result.skipped] == ([reason] if reason else [])
    assert len(result.documents) == (0 if reason else 1)


def test_the_default_size_limit_is_20_mb(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"Big\n" + b"w " * (10 * 2**20 + 1))
    (skipped,) = load_paths([tmp_path]).skipped
    assert skipped.reason == "file is 20 MB, over the 20 MB limit (raise max_file_mb)"


def test_a_skip_line_quotes_an_odd_path_and_escapes_controls_in_the_reason() -> None:
    assert str(Skipped("/news/a.txt ", "r")) == "skipped '/news/a.txt ': r"  # a trailing space would be invisible
    assert str(Skipped(" a.txt", "r")) == "skipped ' a.txt': r"
    assert str(Skipped("a.txt", "bad\nline\twith\x1b")) == "skipped a.txt: bad\\nline\\twith\\x1b"
    assert str(Skipped("naïve café.txt", "déjà vu")) == "skipped naïve café.txt: déjà vu"
    assert str(Skipped("a.txt", "C:\\news\rit's")) == "skipped a.txt: C:\\news\\rit's"  # only the control is escaped


def test_skips_and_warnings_are_logged_as_their_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "b.json").write_text(json.dumps([{"text": "Fine."}, {"title": "no body"}]))
    (tmp_path / "c.md").write_text("---\ndate: someday\noutlet: {name: Daily}\n---\nStorm\n\nText.\n")
    with caplog.at_level(logging.WARNING, logger="rag"):
        result = load_paths([tmp_path, tmp_path / "missing"])
    assert len(result.skipped) == 3 and len(result.warnings) == 2
    logged = [r.getMessage() for r in caplog.records if r.name == "rag"]
    assert sorted(logged) == sorted([str(s) for s in result.skipped] + result.warnings)


def test_index_folders_are_skipped_and_gen_names_alone_are_not_an_index(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    (articles / "index" / "gen-1").mkdir(parents=True)
    (articles / "index" / "manifest.json").write_text('{"generation": 1}')
    (articles / "index" / "gen-1" / "chunks.jsonl").write_text('{"text": "A chunk."}\n')
    (articles / "notes").mkdir()
    (articles / "notes" / "manifest.json").write_text(json.dumps({"title": "Manifest", "text": "A manifest article."}))
    (articles / "notes" / "gen-notes.txt").write_text("Gen notes\nNotes on a generation.")  # a file, not a folder
    (articles / "archive" / "gen-2019").mkdir(parents=True)  # a gen- folder without a manifest: articles
    (articles / "archive" / "gen-2019" / "old.txt").write_text("Old\nAn old story.")
    (articles / "a.txt").write_text("Storm\nThe storm hit.")
    result = load_paths([articles])
    assert [d.id for d in result.documents] == ["a", "archive-gen-2019-old", "notes-gen-notes", "notes-manifest"]
    assert result.skipped == [Skipped(str(articles / "index"), "an index folder, not articles (indexing it would index the index)")]
    assert result.roots == [str(articles)]


def test_roots_are_the_resolved_paths_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text("Storm\nThe storm hit.")
    (tmp_path / "b.md").write_text("Budget\nThe budget passed.")
    monkeypatch.chdir(tmp_path)
    result = load_paths(["news", "b.md", "missing.txt"])
    assert result.roots == [str(tmp_path / "news"), str(tmp_path / "b.md")]
    assert [d.source for d in result.documents] == [str(tmp_path / "news" / "a.txt"), str(tmp_path / "b.md")]
    assert result.skipped == [Skipped("missing.txt", "no such file or folder")]


def test_a_home_relative_path_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "a.txt").write_text("Storm\nThe storm hit.")
    (doc,) = load_paths(["~/a.txt"]).documents
    assert doc.source == str(tmp_path / "a.txt")


def test_a_hidden_folder_given_by_name_is_read(tmp_path: Path) -> None:
    """Only entries hidden *inside* the given folder are left out, not the folder itself or its parents."""
    hidden = tmp_path / ".notes" / "drafts"
    hidden.mkdir(parents=True)
    (hidden / "a.txt").write_text("Storm\nThe storm hit.")
    (hidden / ".b.txt").write_text("Hidden\nNot read.")
    assert [d.id for d in load_paths([tmp_path / ".notes"]).documents] == ["drafts-a"]


def test_links_inside_the_folder_are_followed_and_a_socket_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "sub" / "real.txt").write_text("Real\nThe real text.")
    os.symlink(docs / "sub" / "real.txt", docs / "link.txt")
    os.symlink(docs / "sub", docs / "linked-sub")
    if hasattr(socket, "AF_UNIX"):
        monkeypatch.chdir(docs)  # a relative socket name: the absolute path may be too long to bind
        server = socket.socket(socket.AF_UNIX)
        server.bind("sock.txt")
        server.close()
    result = load_paths([docs])
    assert [(d.id, d.source) for d in result.documents] == [("link", str(docs / "link.txt")), ("sub-real", str(docs / "sub" / "real.txt"))]
    reasons = {Path(s.source).name: (s.reason, s.file) for s in result.skipped}
    assert reasons.pop("linked-sub") == (
        "symbolic link to a folder, not followed; give the folder itself to index it", str(docs / "linked-sub"))
    if hasattr(socket, "AF_UNIX"):
        assert reasons.pop("sock.txt") == ("not a regular file (socket); give regular files only", str(docs / "sock.txt"))
    assert not reasons


@pytest.mark.parametrize(
    ("encoding", "mark"),
    [("utf-32-be", "\ufeff"), ("utf-32-le", "\ufeff"), ("utf-16-be", "\ufeff"), ("utf-8", "")],
)
def test_text_in_each_marked_encoding_and_crlf_line_ends(tmp_path: Path, encoding: str, mark: str) -> None:
    (tmp_path / "a.txt").write_bytes((mark + "Ünïcode storm\r\nThe storm hit the coast.\r\n\r\nIt cost 5 €.").encode(encoding))
    (doc,) = load_paths([tmp_path]).documents
    assert (doc.title, doc.text) == ("Ünïcode storm", "Ünïcode storm\nThe storm hit the coast.\n\nIt cost 5 €.")


@pytest.mark.parametrize(
    ("encoding", "reason"),
    [
        ("utf-16", "starts with a UTF-16 LE byte order mark but is not valid UTF-16 LE (byte 32); re-save it as UTF-8"),
        ("utf-16-be", "starts with a UTF-16 BE byte order mark but is not valid UTF-16 BE (byte 32); re-save it as UTF-8"),
        ("utf-32", "starts with a UTF-32 LE byte order mark but is not valid UTF-32 LE (byte 64); re-save it as UTF-8"),
        ("utf-32-be", "starts with a UTF-32 BE byte order mark but is not valid UTF-32 BE (byte 64); re-save it as UTF-8"),
    ],
)
def test_a_damaged_marked_file_names_its_encoding_and_the_bad_byte(tmp_path: Path, encoding: str, reason: str) -> None:
    # 16 characters after the mark; the last one cut short starts at byte 2 + 30 (UTF-16) or 4 + 60 (UTF-32).
    data = ("" if encoding in ("utf-16", "utf-32") else "\ufeff") + "Title\nBody text."
    (tmp_path / "cut.txt").write_bytes(data.encode(encoding)[:-1])
    (skipped,) = load_paths([tmp_path]).skipped
    assert skipped.reason == reason


def test_nul_characters_and_bytes_mean_binary_only_near_the_start(tmp_path: Path) -> None:
    (tmp_path / "wide.txt").write_bytes("Title\x00\nBody.".encode("utf-16"))
    (tmp_path / "nul.txt").write_bytes(b"Title\nBody.\x00")
    (tmp_path / "late.txt").write_bytes(b"Late title\n" + b"word " * 1700 + b"\x00")  # the NUL past 8192 bytes
    (tmp_path / "late16.txt").write_bytes(("Wide title\n" + "word " * 1700 + "\x00").encode("utf-16"))
    result = load_paths([tmp_path])
    assert {Path(s.source).name: s.reason for s in result.skipped} == {
        "wide.txt": "binary file (contains NUL characters), not text",
        "nul.txt": "binary file (contains NUL bytes), not text",
    }
    assert sorted(d.title for d in result.documents) == ["Late title", "Wide title"]


@pytest.mark.parametrize(
    "data",
    [
        b"\x81\x8d\x8f\x90\x9d" * 3,  # undefined in Windows-1252, not UTF-8
        bytes(range(1, 256)) * 3,  # every byte but NUL: charset detection finds no encoding at all
    ],
)
def test_bytes_no_encoding_reads_are_one_clear_skip(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "junk.txt").write_bytes(data)
    (skipped,) = load_paths([tmp_path]).skipped
    assert skipped.reason == "not valid UTF-8, Windows-1252 or a detected East Asian encoding; re-save it as UTF-8"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "no text after cleaning (empty file)"),
        ("!!! ???\n— …", "no words, only punctuation or symbols"),
    ],
)
def test_empty_and_wordless_files_say_which(tmp_path: Path, content: str, reason: str) -> None:
    (tmp_path / "a.txt").write_text(content)
    assert [s.reason for s in load_paths([tmp_path]).skipped] == [reason]


def test_unsupported_type_message_lists_the_supported_ones(tmp_path: Path) -> None:
    (tmp_path / "a.DOCX").write_bytes(b"PK")
    (skipped,) = load_paths([tmp_path]).skipped
    assert skipped.reason == "unsupported file type .docx; use one of .txt, .md, .markdown, .html, .htm, .pdf, .json, .jsonl, .csv"
    assert skipped.file == str(tmp_path / "a.DOCX")


@pytest.mark.parametrize("name", ["a.TXT", "a.markdown", "a.Md"])
def test_every_text_suffix_in_any_case_is_read(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("---\ntitle: Storm\n---\nThe storm hit.\n")
    (doc,) = load_paths([tmp_path]).documents
    assert (doc.id, doc.title, doc.text) == ("a", "Storm", "The storm hit.")


def test_a_given_fifo_or_device_names_the_file_and_the_rest_still_loads(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Good title\nA good sentence.")
    given: list[str | Path] = []
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.txt")
        given.append(tmp_path / "pipe.txt")
    if Path("/dev/null").exists():
        given.append("/dev/null")
    result = load_paths([*given, tmp_path / "good.txt"])
    assert [d.id for d in result.documents] == ["good"]
    kinds = {"pipe.txt": "FIFO", "null": "character device"}
    assert [(s.source, s.reason, s.file) for s in result.skipped] == [
        (str(p), f"not a regular file ({kinds[Path(p).name]}); give regular files only", str(p)) for p in given
    ]
    assert result.roots == [str(tmp_path / "good.txt")]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_says_cannot_read(tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("Locked\nSecret text.")
    locked.chmod(0)
    try:
        (skipped,) = load_paths([tmp_path]).skipped
    finally:
        locked.chmod(0o644)
    assert (skipped.reason, skipped.file) == ("cannot read: Permission denied", str(locked))


def test_nul_detection_looks_at_the_first_8192_bytes_or_characters(tmp_path: Path) -> None:
    (tmp_path / "at.txt").write_bytes(b"At title\n" + b"w" * 8182 + b"\x00")  # the NUL is byte 8192: binary
    (tmp_path / "past.txt").write_bytes(b"Past title\n" + b"w" * 8181 + b"\x00")  # byte 8192 (the 8193rd): text
    (tmp_path / "wide.txt").write_bytes(("Wide title\n" + "w" * 8181 + "\x00").encode("utf-16"))  # character 8192
    result = load_paths([tmp_path])
    assert [Path(s.source).name for s in result.skipped] == ["at.txt"]
    assert sorted(d.title for d in result.documents) == ["Past title", "Wide title"]


def test_front_matter_reads_values_quotes_lists_and_its_end(tmp_path: Path) -> None:
    files = {
        "quoted.md": "---\nTitle :  'Xi meets Biden: the talks'  \nauthor: \"Xu Li\"\n...  \nThe leaders met.\n",
        "flow.md": "---\nauthor: [Xu Li, , 'Bo Chan', Ann Lee]\ntitle: Storm [video]\n---\nThe storm hit.\n",
        "block.md": "---\ntitle: Vote\nauthors:\n  - 'Xu Li'\n  - Bo Chan\n---\nThe council voted.\n",
        "blank.md": "---\nauthors:\n  - Ann Lee\n\n  - Not an author\ntitle: Vote\n---\nThe council voted.\n",
        "rule.md": "---\nJust a rule\n---\nThe storm hit.\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = load_paths([tmp_path])
    docs = {d.id: (d.title, d.author, d.text) for d in result.documents}
    assert docs == {
        "quoted": ("Xi meets Biden: the talks", "Xu Li", "The leaders met."),
        "flow": ("Storm [video]", "Xu Li, Bo Chan, Ann Lee", "The storm hit."),
        "block": ("Vote", "Xu Li, Bo Chan", "The council voted."),
        "blank": ("Vote", "Ann Lee", "The council voted."),
        "rule": ("Just a rule", None, "---\nJust a rule\n---\nThe storm hit."),  # no field: not front matter
    }
    assert not result.warnings


def test_front_matter_maps_warn_once_and_an_indented_line_is_no_map(tmp_path: Path) -> None:
    (tmp_path / "only-map.md").write_text("---\noutlet:\n  name: Daily\n  id: 3\n---\nStorm\n\nThe storm hit.\n")
    (tmp_path / "twice.md").write_text("---\nsource: {name: Daily}\nsource: {name: Weekly}\ntitle: T\n---\nThe storm hit.\n")
    (tmp_path / "indented.md").write_text("---\ntitle: Storm\n  subtitle: a wet day\n---\nThe storm hit.\n")
    result = load_paths([tmp_path])
    docs = {d.id: (d.title, d.outlet, d.text) for d in result.documents}
    assert docs == {
        "only-map": ("Storm", None, "Storm\n\nThe storm hit."),
        "twice": ("T", None, "The storm hit."),
        "indented": ("Storm", None, "The storm hit."),
    }
    assert result.warnings == [
        f"{tmp_path / 'only-map.md'}: front matter outlet is a map, which is not read; write it as one value (outlet: …) or a list",
        f"{tmp_path / 'twice.md'}: front matter source is a map, which is not read; write it as one value (source: …) or a list",
    ]


def test_front_matter_of_more_than_40_lines_is_not_read_to_its_end(tmp_path: Path) -> None:
    fill = "".join(f"k{i}: v\n" for i in range(39))
    (tmp_path / "forty.md").write_text("---\n" + fill + "title: Storm\n---\nThe storm hit.\n")
    (tmp_path / "more.md").write_text("---\n" + fill + "x: y\ntitle: Storm\n---\nThe storm hit.\n")
    docs = {d.id: (d.title, d.text) for d in load_paths([tmp_path]).documents}
    assert docs["forty"] == ("Storm", "The storm hit.")
    assert docs["more"][0] == "title: Storm"  # read as an unclosed block of 40 lines


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: T\nauthor: Ann Lee\nauthors: Bo Chan, Cy Diaz\n", {"author": "Ann Lee"}),
        ("title: T\nauthors: Bo Chan, Cy Diaz\n", {"author": "Bo Chan, Cy Diaz"}),
        ("title: T\noutlet: Harbour Times\nsource: Wire\npublisher: Group\n", {"outlet": "Harbour Times"}),
        ("title: T\nsource: Wire\npublisher: Group\n", {"outlet": "Wire"}),
        ("title: T\npublisher: Group\n", {"outlet": "Group"}),
        ("title: T\npublished: 2024-02-03\ndate: 2023-01-01\n", {"published": "2024-02-03"}),
        ("title: T\ndate: March 3, 2023\n", {"published": "2023-03-03"}),
        ("title: T\nurl: https://www.harbour.example/2021/08/09/storm\n",
         {"url": "https://www.harbour.example/2021/08/09/storm", "published": "2021-08-09", "outlet": "harbour.example"}),
    ],
)
def test_which_front_matter_field_wins(tmp_path: Path, front: str, expected: dict[str, str]) -> None:
    (tmp_path / "a.md").write_text(f"---\n{front}---\nThe storm hit.\n")
    result = load_paths([tmp_path])
    (doc,) = result.documents
    fields = {"url": doc.url, "published": doc.published, "outlet": doc.outlet, "author": doc.author}
    assert fields == {**dict.fromkeys(fields), **expected}
    assert not result.warnings
    # front_matter() keeps the same fields (the date as YYYY-MM-DD); the URL's date and host are only loading's fallbacks.
    kept = {"title": "T", "url": expected["url"]} if "url" in expected else {"title": "T", **expected}
    assert front_matter(f"---\n{front}---\nThe storm hit.") == (kept, "The storm hit.")


def test_front_matter_function_reads_a_leading_byte_order_mark() -> None:
    assert front_matter("\ufeff---\ntitle: Storm\nDate: 2024-05-01\n---\nThe storm hit.") == (
        {"title": "Storm", "published": "2024-05-01"}, "The storm hit.")
    assert front_matter("No front matter.\n") == ({}, "No front matter.\n")


def test_an_invalid_front_matter_date_is_a_warning_and_the_text_date_is_used(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\npublished: soon\ndate: 2023-01-01\n---\nStorm\nPublished: August 9, 2021\n\nText.\n")
    (tmp_path / "b.md").write_text("---\ndate: someday\n---\nStorm\n\nText.\n")
    result = load_paths([tmp_path])
    assert [d.published for d in result.documents] == ["2021-08-09", None]
    assert result.warnings == [
        f"{tmp_path / 'a.md'}: published \"soon\" is not a date (give a real day, e.g. published: 2024-05-01); indexed without a date",
        f"{tmp_path / 'b.md'}: date \"someday\" is not a date (give a real day, e.g. date: 2024-05-01); indexed without a date",
    ]


def test_a_text_file_without_front_matter_gets_dateline_byline_and_first_line(tmp_path: Path) -> None:
    (tmp_path / "wire.txt").write_text("## Xi visits Paris\n\nMOSCOW, Aug. 9, 2021 (Reuters) – The talks ended.\n"
                                       "By Ann van Dijk and Bo al-Rashid, Reuters\n")
    (tmp_path / "xinhua.txt").write_text("Xinhua reports floods\n\nThe river rose.\n")
    (tmp_path / "ruled.md").write_text("***\n\n# Budget passes #\n\nBy the river the budget passed.\n")
    (tmp_path / "front.md").write_text("---\nauthor: Cy Diaz\noutlet: Harbour Times\n---\n"
                                       "MOSCOW, Aug. 9, 2021 (Reuters) – The talks ended.\nBy Ann Lee | Reuters\n")
    docs = {d.id: (d.title, d.published, d.outlet, d.author) for d in load_paths([tmp_path]).documents}
    assert docs == {
        "wire": ("Xi visits Paris", "2021-08-09", "Reuters", "Ann van Dijk and Bo al-Rashid"),
        "ruled": ("Budget passes #", None, None, None),
        "xinhua": ("Xinhua reports floods", None, None, None),
        "front": ("MOSCOW, Aug. 9, 2021 (Reuters) – The talks ended.", "2021-08-09", "Harbour Times", "Cy Diaz"),
    }


@pytest.mark.parametrize(
    ("head", "author"),
    [
        ("Storm\nBy Ann Lee · AP\n", "Ann Lee"),
        ("Storm\nBy Ann Bo Cy Di Ed Fa\n", "Ann Bo Cy Di Ed Fa"),  # a name of six words
        ("Storm\nBy Ann Bo Cy Di Ed Fa Gu\n", None),  # seven words is a sentence
        ("One\nTwo\nThree\nFour\nBy Ann Lee\n", "Ann Lee"),  # the fifth line with words
        ("One\nTwo\nThree\nFour\nFive\nBy Ann Lee\n", None),  # the sixth is too far down
        ("One\n\n\n\n\n\n\n\nTwo\n\nThree\nBy Ann Lee\n", "Ann Lee"),  # line 12
        ("One\n\n\n\n\n\n\n\n\nTwo\n\nThree\nBy Ann Lee\n", None),  # line 13
    ],
)
def test_a_byline_is_read_near_the_top_only(tmp_path: Path, head: str, author: str | None) -> None:
    (tmp_path / "a.txt").write_text(head + "\nThe storm hit the coast.\n")
    (doc,) = load_paths([tmp_path]).documents
    assert doc.author == author


def test_titles_are_one_line_and_cut_at_120_characters_on_a_word(tmp_path: Path) -> None:
    long = "a" * 50 + " " + "b" * 50 + " " + "c" * 50
    exact = "d" * 60 + " " + "e" * 59  # 120 characters
    many = " ".join(["word"] * 30)  # 149 characters; the first 120 are 24 words and a space
    records = [{"id": "long", "title": long, "text": "Long."}, {"id": "exact", "title": exact, "text": "Exact."},
               {"id": "many", "title": many, "text": "Many."}, {"id": "spaced", "title": "  Storm \n hits\tcoast ", "text": "Storm."},
               {"id": "none", "text": "Rates rise\nThe bank raised rates."}]
    (tmp_path / "feed.json").write_text(json.dumps(records))
    titles = {d.id: d.title for d in load_paths([tmp_path]).documents}
    assert titles == {"long": "a" * 50 + " " + "b" * 50 + "…", "exact": exact, "many": " ".join(["word"] * 24) + "…",
                      "spaced": "Storm hits coast", "none": "Rates rise"}
    assert cut_title("x" * 121) == "x" * 120 + "…"  # one word longer than a title is cut inside it


def test_json_records_text_title_ids_and_source(tmp_path: Path) -> None:
    records = [
        {"id": 7, "title": "Rates rise", "text": "  Rates rise again, the bank said."},
        {"id": "", "text": "Untitled one\nSecond line."},
        {"text": "Text wins.", "body": "Body loses."},
        {"title": "Only body", "body": "The body text."},
    ]
    (tmp_path / "feed.json").write_text(json.dumps(records))
    (tmp_path / "one.json").write_text(json.dumps([{"text": "Alone."}]))
    result = load_paths([tmp_path])
    docs = {d.id: (d.title, d.text, d.source) for d in result.documents}
    feed, one = str(tmp_path / "feed.json"), str(tmp_path / "one.json")
    assert docs == {
        "7": ("Rates rise", "Rates rise again, the bank said.", feed),
        "feed-2": ("Untitled one", "Untitled one\nSecond line.", feed),
        "feed-3": ("Text wins.", "Text wins.", feed),
        "feed-4": ("Only body", "Only body\n\nThe body text.", feed),
        "one": ("Alone.", "Alone.", one),  # a list of one record: the file's id
    }
    assert docs["7"][0] == "Rates rise" and not result.skipped


def test_json_record_failures_are_counted_and_listed_three_at_most(tmp_path: Path) -> None:
    good = {"title": "ok", "text": "Fine text."}
    (tmp_path / "three.json").write_text(json.dumps([good, {"title": "x"}, {"text": 5}, {"text": "!!!"}, {"title": "Late", "text": "Late text."}]))
    (tmp_path / "four.jsonl").write_text("\n".join(json.dumps(r) for r in [good, "s", [1], {"body": " "}, {"text": None}]))
    (tmp_path / "bad.jsonl").write_text("{bad\n")
    (tmp_path / "empty.json").write_text("[]")
    (tmp_path / "blank.jsonl").write_text("\n  \n")
    result = load_paths([tmp_path])
    assert [d.id for d in result.documents] == ["four-1", "three-1", "three-5"]  # a record after a failed one still counts
    assert {Path(s.source).name: s.reason for s in result.skipped} == {
        "bad.jsonl": "none of its 1 record(s) is usable (line 1: invalid JSON (Expecting property name enclosed in double "
                     "quotes)); records need a 'text' or 'body' string",
        "blank.jsonl": "no records found",
        "empty.json": "no records found",
        "four.jsonl": "4 of 5 records skipped (line 2: not a JSON object; line 3: not a JSON object; line 4: no 'text' or "
                      "'body' string; and 1 more)",
        "three.json": "3 of 5 records skipped (record 2: no 'text' or 'body' string; record 3: no 'text' or 'body' string; "
                      "record 4: no words, only punctuation or symbols)",
    }


def test_json_record_metadata_keys_in_order(tmp_path: Path) -> None:
    records = [
        {"text": "1.", "published": "2024-01-01", "date": "2023-01-01", "published_at": "2022-01-01", "publishedAt": "2021-01-01",
         "outlet": "O", "source": "S", "publisher": "P", "site_name": "N", "author": "A", "authors": "B", "byline": "C"},
        {"text": "2.", "published": "", "date": "2023-01-01", "published_at": "2022-01-01", "source": "S", "publisher": "P",
         "authors": ["Ann Lee", {"name": "Bo Chan"}, ""], "byline": "C"},
        {"text": "3.", "published": None, "published_at": "2022-01-01", "publishedAt": "2021-01-01", "publisher": "P",
         "site_name": "N", "author": [], "byline": "C"},
        {"text": "4.", "publishedAt": "2021-01-01T10:00:00Z", "site_name": "N", "source": {"id": None, "name": "Wire"}},
        {"text": "5.", "url": "https://www.harbour.example/2020/05/06/x", "source": {"id": "wire"}, "outlet": "  Harbour\n Times  "},
        {"text": "6.", "url": "https://www.harbour.example/2020/05/06/x", "outlet": "", "published": ""},
        {"text": "7.", "url": "not a url", "author": 5},
        {"text": "8.", "site_name": "N", "url": "https://news.example/a"},
        {"text": "9.", "url": "https://news.example/a"},  # no "www." to drop
    ]
    (tmp_path / "feed.json").write_text(json.dumps(records))
    result = load_paths([tmp_path])
    got = [(d.url, d.published, d.outlet, d.author) for d in result.documents]
    assert got == [
        (None, "2024-01-01", "O", "A"),
        (None, "2023-01-01", "S", "Ann Lee, Bo Chan"),
        (None, "2022-01-01", "P", "C"),
        (None, "2021-01-01", "Wire", None),
        ("https://www.harbour.example/2020/05/06/x", "2020-05-06", "Harbour Times", None),
        ("https://www.harbour.example/2020/05/06/x", "2020-05-06", "harbour.example", None),
        ("not a url", None, None, "5"),
        ("https://news.example/a", None, "N", None),
        ("https://news.example/a", None, "news.example", None),
    ]
    assert not result.warnings


def test_records_in_the_shapes_news_datasets_and_apis_write(tmp_path: Path) -> None:
    # A NewsAPI response: records under "articles", "content" cut with "[+N chars]", source.name, publishedAt.
    newsapi = {"status": "ok", "totalResults": 1, "articles": [
        {"source": {"id": None, "name": "Wire"}, "author": "Ann Lee", "title": "Rates rise",
         "description": "The bank raised rates.", "url": "https://wire.example/rates",
         "publishedAt": "2024-05-01T10:00:00Z", "content": "The bank raised rates by half a point on Wednesday… [+2345 chars]"}]}
    # The NYT API: response.docs, headline.main, byline.original, pub_date, web_url, lead_paragraph only.
    nyt = {"status": "OK", "response": {"docs": [
        {"headline": {"main": "Storm hits coast"}, "byline": {"original": "By Bo Chan"}, "pub_date": "2024-05-02T08:00:00+0000",
         "web_url": "https://nyt.example/storm", "lead_paragraph": "A storm hit the coast on Thursday.", "source": "The Times"}]}}
    (tmp_path / "newsapi.json").write_text(json.dumps(newsapi))
    (tmp_path / "nyt.json").write_text(json.dumps(nyt))
    # news-please (maintext, date_publish, source_domain) and newspaper3k / RealTime QA (publish_date with slashes).
    lines = [
        {"title": "Fire downtown", "maintext": "A fire broke out downtown on Friday.", "date_publish": "2024-05-03 09:12:00",
         "source_domain": "city.example", "authors": ["Cy Dee"], "url": "https://city.example/fire"},
        {"title": "Vote delayed", "text": "The vote was delayed until June.", "publish_date": "2024/05/04", "link": "https://x.example/v"},
        {"headline": "Ship docks", "article": "The ship docked at noon.", "pubDate": "Sun, 05 May 2024 12:00:00 GMT"},
    ]
    (tmp_path / "crawl.jsonl").write_text("\n".join(json.dumps(r) for r in lines))
    result = load_paths([tmp_path])
    got = {d.title: (d.text, d.published, d.outlet, d.author, d.url) for d in result.documents}
    assert got == {
        "Rates rise": ("Rates rise\n\nThe bank raised rates by half a point on Wednesday", "2024-05-01", "Wire", "Ann Lee",
                       "https://wire.example/rates"),
        "Storm hits coast": ("Storm hits coast\n\nA storm hit the coast on Thursday.", "2024-05-02", "The Times",
                             "By Bo Chan", "https://nyt.example/storm"),
        "Fire downtown": ("Fire downtown\n\nA fire broke out downtown on Friday.", "2024-05-03", "city.example", "Cy Dee",
                          "https://city.example/fire"),
        "Vote delayed": ("Vote delayed\n\nThe vote was delayed until June.", "2024-05-04", "x.example", None,
                         "https://x.example/v"),
        "Ship docks": ("Ship docks\n\nThe ship docked at noon.", "2024-05-05", None, None, None),
    }
    assert not result.skipped and not result.warnings


def test_full_text_wins_over_a_summary_and_an_object_without_records_is_one(tmp_path: Path) -> None:
    records = [{"title": "A", "description": "Summary only.", "content": "The full story."},
               {"title": "B", "summary": "Only a summary here."}]
    (tmp_path / "feed.json").write_text(json.dumps(records))
    (tmp_path / "one.json").write_text(json.dumps({"title": "C", "body": "One object.", "data": [{"text": "not read"}]}))
    docs = {d.title: d.text for d in load_paths([tmp_path]).documents}
    assert docs == {"A": "A\n\nThe full story.", "B": "B\n\nOnly a summary here.", "C": "C\n\nOne object."}


def test_csv_rows_are_records_under_their_header(tmp_path: Path) -> None:
    # The shape of a Kaggle news dump: an unnamed index column, capitalised or lower-case headings.
    long = "The council met again. " * 8000  # past the csv module's default 128 KB cell
    (tmp_path / "news.csv").write_bytes(
        "\ufeff,id,Title,publication,author,date,url,content\n"
        "0,17,Rates rise,Wire,Ann Lee,2024-05-01,https://wire.example/r,\"The bank raised rates, again.\"\n"
        "1,,Council,City Times,,\"May 2, 2024\",,\"".encode() + long.encode() + b"\"\n"
        b"2,,No text,Wire,,,,\n")
    (tmp_path / "broken.csv").write_text('title,text\n"unclosed,quote\n')  # read to the end as one title
    result = load_paths([tmp_path])
    got = {d.id: (d.title, d.published, d.outlet, d.author, d.url, len(d.text)) for d in result.documents}
    assert got == {
        "17": ("Rates rise", "2024-05-01", "Wire", "Ann Lee", "https://wire.example/r", len("Rates rise\n\nThe bank raised rates, again.")),
        "news-2": ("Council", "2024-05-02", "City Times", None, None, len("Council\n\n" + long.strip())),
    }
    assert {Path(s.source).name: s.reason for s in result.skipped} == {
        "broken.csv": "none of its 1 record(s) is usable (row 1: no 'text' or 'body' string); records need a 'text' or 'body' string",
        "news.csv": "1 of 3 records skipped (row 3: no 'text' or 'body' string)",
    }


def test_invalid_json_dates_are_warnings_naming_the_record_and_value(tmp_path: Path) -> None:
    long = "soon" * 30
    records = [{"text": "1.", "published": 20240501}, {"text": "2.", "date": long},
               {"text": "3.", "publishedAt": "2024\x85"}, {"text": "4.", "published_at": "Grüße"},
               {"text": "5.", "date": "y" * 58}, {"text": "6.", "date": "y" * 59}]  # shown with quotes: 60 and 61 characters
    (tmp_path / "feed.json").write_text(json.dumps(records, ensure_ascii=False))
    result = load_paths([tmp_path])
    assert [d.published for d in result.documents] == [None] * 6
    where = tmp_path / "feed.json"
    assert result.warnings == [
        f"{where}:1: published 20240501 is not a date (give a real day, e.g. published: 2024-05-01); indexed without a date",
        f"{where}:2: date \"{long[:59]}… is not a date (give a real day, e.g. date: 2024-05-01); indexed without a date",
        f"{where}:3: publishedAt \"2024\\x85\" is not a date (give a real day, e.g. publishedAt: 2024-05-01); indexed without a date",
        f"{where}:4: published_at \"Grüße\" is not a date (give a real day, e.g. published_at: 2024-05-01); indexed without a date",
        f"{where}:5: date \"{'y' * 58}\" is not a date (give a real day, e.g. date: 2024-05-01); indexed without a date",
        f"{where}:6: date \"{'y' * 59}… is not a date (give a real day, e.g. date: 2024-05-01); indexed without a date",
    ]


def test_a_value_error_in_a_parser_is_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "big.json").write_text('{"text": ' + "1" * 5000 + "}")  # int() refuses 5000 digits: a ValueError
    (skipped,) = load_paths([tmp_path]).skipped
    assert skipped.reason.startswith("could not be parsed (ValueError: Exceeds the limit (4300 digits) for integer string")
    assert skipped.reason.endswith("); fix or remove the file") and "\n" not in skipped.reason


def test_parse_failure_lines() -> None:
    assert _parse_failure(ValueError("word " * 40)) == (
        "could not be parsed (ValueError: " + " ".join(["word"] * 32) + "…); fix or remove the file")
    assert _parse_failure(KeyError()) == "could not be parsed (KeyError); fix or remove the file"
    assert _parse_failure(ValueError("two\n  lines")) == "could not be parsed (ValueError: two lines); fix or remove the file"
    assert _parse_failure(MemoryError()) == "too large to parse in memory; fix or remove the file"
    assert _parse_failure(ValueError("x" * 160)) == "could not be parsed (ValueError: " + "x" * 160 + "); fix or remove the file"
    assert _parse_failure(ValueError("x" * 161)) == "could not be parsed (ValueError: " + "x" * 160 + "…); fix or remove the file"


def _two_page_pdf(info: dict[str, str]) -> bytes:
    writer = PdfWriter()
    for lines in (["Page one title", "First page."], ["Second page."]):
        writer.append(PdfReader(io.BytesIO(make_pdf(lines))))
    writer.add_metadata(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_metadata_pages_and_a_title_from_the_first_line(tmp_path: Path) -> None:
    (tmp_path / "two.pdf").write_bytes(_two_page_pdf({"/Author": "Ann Lee", "/CreationDate": "D:20240102030405Z"}))
    (tmp_path / "plain.pdf").write_bytes(make_pdf(["Council approves bridge", "It will cost 12 million."]))
    docs = {d.id: d for d in load_paths([tmp_path]).documents}
    two, plain = docs["two"], docs["plain"]
    assert (two.title, two.text, two.author, two.published) == (
        "Page one title", "Page one title\nFirst page.\n\nSecond page.", "Ann Lee", "2024-01-02")
    assert (plain.title, plain.author, plain.published) == ("Council approves bridge", None, None)
    assert (two.source, plain.source) == (str(tmp_path / "two.pdf"), str(tmp_path / "plain.pdf"))


def test_a_pdf_pypdf_repairs_loads_without_its_log_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = make_pdf(["Council approves bridge", "It will cost 12 million."])
    (tmp_path / "moved.pdf").write_bytes(data.replace(b"0000000009 00000 n", b"0000000011 00000 n"))  # a wrong xref offset
    with caplog.at_level(logging.DEBUG):
        (doc,) = load_paths([tmp_path]).documents
    assert doc.title == "Council approves bridge"
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


def test_a_scanned_pdf_message(tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(make_pdf([]))
    (skipped,) = load_paths([tmp_path]).skipped
    assert skipped.reason == "PDF of 1 page(s) has no text layer (a scan?): run OCR first (e.g. ocrmypdf) and index its output"


def test_html_metadata_title_and_suffixes(tmp_path: Path) -> None:
    head = ('<head><meta property="og:site_name" content="Harbour Gazette"><meta name="author" content="Dana Reyes">'
            '<meta property="article:published_time" content="2024-05-01T08:00:00Z">'
            '<link rel="canonical" href="https://www.harbour.example/news/harbour-reopens">')
    (tmp_path / "meta.htm").write_text(ARTICLE_HTML.replace("<head>", head))
    (tmp_path / "retitled.html").write_text(ARTICLE_HTML.replace("<h1>Harbour reopens after storm</h1>", "")
                                            .replace("<title>Harbour reopens after storm</title>", "<title>Port news</title>"))
    (tmp_path / "empty.html").write_text("<html><head><title>T</title></head><body><script>x()</script></body></html>")
    result = load_paths([tmp_path])
    docs = {d.id: d for d in result.documents}
    meta = docs["meta"]
    assert (meta.title, meta.url, meta.published, meta.outlet, meta.author) == (
        "Harbour reopens after storm", "https://www.harbour.example/news/harbour-reopens", "2024-05-01", "Harbour Gazette",
        "Dana Reyes")
    assert meta.text.startswith("Harbour reopens after storm\nThe city harbour reopened on Tuesday")
    assert meta.source == str(tmp_path / "meta.htm")
    assert docs["retitled"].title == "Port news"
    assert docs["retitled"].text.startswith("Port news\n\nThe city harbour reopened on Tuesday")
    assert [s.reason for s in result.skipped] == ["no article text in the HTML (only markup, scripts or a title)"]


def test_a_null_text_falls_back_to_the_body_and_unnamed_authors_leave_no_gap(tmp_path: Path) -> None:
    """Bugs found by the mutation run: ``"text": null`` beside a body was skipped as having neither, and an
    author object without a name gave "Ann Lee, , Bo Chan"."""
    records = [{"title": "Vote", "text": None, "body": "The council voted."},
               {"title": "Blank", "text": "  ", "body": "The body is used."},
               {"text": "A.", "authors": [{"name": "Ann Lee"}, {"url": "https://x"}, {"name": ""}, "Bo Chan"]}]
    (tmp_path / "feed.json").write_text(json.dumps(records))
    result = load_paths([tmp_path])
    assert not result.skipped
    assert [(d.title, d.text, d.author) for d in result.documents] == [
        ("Vote", "Vote\n\nThe council voted.", None), ("Blank", "Blank\n\nThe body is used.", None), ("A.", "A.", "Ann Lee, Bo Chan")]
