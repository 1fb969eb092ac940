"""The Gradio app, served for real on loopback: headless Chromium and gradio_client."""

from __future__ import annotations

import copy
import html
import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

# Loaded at collection: a mutation run forks each mutant's session from the collected one, so it loads once.
import ui.app  # noqa: F401
from rag import REFUSAL_TEXT, Answer, Assistant, Citation, FetchLimits, RagError, Settings
from rag._types import Copy, Disagreement, MentionedDate, Passage, SourceDocument, TimeScope
from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.helpers import write_two_articles
from ui.messages import reply_text

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
MODEL_READER = "Model (reads each candidate; short answers)"
TROOPS = re.compile(r"(ten thousand|10,000) troops")  # either article's sentence may lead the merged statement
HARBOUR = """Harbour reopens after storm
The city harbour of Port Elsmere reopened on Tuesday after a three-day closure caused by the storm.
Port officials said that forty-two cargo ships had waited offshore during the closure.
"""


def test_concurrent_chat_requests_each_get_their_own_answer(served: tuple[str, Assistant]) -> None:
    from gradio_client import Client

    url, _ = served
    cases = {
        "How many troops?": "ten thousand troops",
        "Why Tajikistan?": "Tajikistan asked",
        "What weapons will Russian troops use?": "Chinese-made weapons",
        "Who is Wei Fenghe?": "Wei Fenghe",
        "How many ships took part?": "don't contain the answer",
        "What is the SCO?": "Shanghai Cooperation Organization",
    }

    def ask(question: str) -> str:
        client = Client(url, verbose=False)
        _, history, sources = client.predict(question, [], 5, "Extractive (quotes)", MODEL_READER, api_name="/chat")
        return str(history[-1]["content"]) + "\n" + str(sources)

    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        results = dict(zip(cases, pool.map(ask, cases)))
    for question, expected in cases.items():
        assert expected in results[question], (question, results[question][:300])


def test_short_answer_comes_first_and_the_fast_reader_is_selectable(served: tuple[str, Assistant]) -> None:
    from gradio_client import Client

    from ui.app import READERS

    url, _ = served
    client = Client(url, verbose=False)
    _, history, _ = client.predict("How many troops are taking part?", [], 5, "Extractive (quotes)", MODEL_READER, api_name="/chat")
    from ui.messages import message_text

    content = message_text(history[-1]["content"])
    assert content.startswith("**") and "[1]" in content.split("**", 2)[2]
    fast = next(k for k, v in READERS.items() if v == "fast")
    _, history, _ = client.predict("How many troops?", [], 5, "Extractive (quotes)", fast, api_name="/chat")
    content = message_text(history[-1]["content"])
    assert not content.startswith("**") and "ten thousand troops" in content


@pytest.mark.parametrize(
    ("content", "text"),
    [
        ("how many troops?", "how many troops?"),  # Gradio 5 and the app's own history
        ([{"type": "text", "text": "how many troops?"}], "how many troops?"),  # Gradio 6 Chatbot
        ({"type": "text", "text": "how many troops?"}, "how many troops?"),
        (["how many", {"text": "troops?"}], "how many troops?"),
        ([{"type": "file", "file": {"path": "/tmp/a.png"}}, {"type": "text", "text": " why? "}], "why?"),
        ([{"type": "file", "file": {"path": "/tmp/a.png"}}], ""),
        (None, ""),
    ],
)
def test_message_text_reads_every_content_shape(content: object, text: str) -> None:
    from ui.messages import message_text

    assert message_text(content) == text


def test_follow_up_with_gradio6_history_is_rewritten(served: tuple[str, Assistant]) -> None:
    """The Chatbot hands earlier turns over as lists of parts; the follow-up must still see them."""
    from gradio_client import Client

    url, _ = served
    history = [
        {"role": "user", "content": [{"type": "text", "text": "How many troops took part in the drill?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "More than ten thousand troops [1]."}]},
    ]
    client = Client(url, verbose=False)
    _, new_history, _ = client.predict("and how many aircraft?", history, 5, "Extractive (quotes)", MODEL_READER, api_name="/chat")
    assert "understood as: how many aircraft? (drill)" in str(new_history[-1]["content"])


@pytest.mark.browser
def test_browser_ask_cite_upload(served: tuple[str, Assistant], tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import expect, sync_playwright

    url, assistant = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 950})
        page.goto(url, wait_until="domcontentloaded")

        # Ask, and check the answer and its citation links.
        page.locator("#question textarea").fill("How many troops?")
        page.keyboard.press("Enter")
        links = page.locator("#chat a[href^='#src-']")
        expect(links.nth(1)).to_be_visible(timeout=30_000)
        answer = page.locator("#chat .message").last
        expect(answer).to_contain_text(TROOPS, timeout=30_000)
        assert links.count() >= 2

        # Open a citation: its card flashes and shows the highlighted quote.
        links.first.click()
        card = page.locator("#src-1-1")
        expect(card).to_have_class("src-card flash", timeout=5_000)
        expect(card.locator(".src-body mark")).to_have_text(re.compile(
            r"^More than (ten thousand troops will be dispatched, along with various types of aircraft, artillery and armored "
            r"equipment|10,000 troops are taking part in the five-day Zapad/Interaction 2021 drills in northwestern China’s "
            r"Ningxia Hui autonomous region)\.$"
        ))
        assert card.is_visible()
        page.screenshot(path=str(ARTIFACTS / "ui-troops.png"))

        # A refusal is shown as such.
        page.locator("#question textarea").fill("How many soldiers took part?")
        page.keyboard.press("Enter")
        expect(page.locator("#chat a[href^='#src-2-']").first).to_be_visible(timeout=30_000)
        page.locator("#question textarea").fill("How many ships took part?")
        page.keyboard.press("Enter")
        expect(page.locator("#chat")).to_contain_text("don't contain the answer", timeout=30_000)

        # Upload a new article, then ask what only it answers.
        article = tmp_path / "harbour-storm.txt"
        article.write_text(HARBOUR)
        page.get_by_text("Add articles").click()
        page.locator("#upload input[type=file]").set_input_files(str(article))
        expect(page.locator("#upload-status")).to_contain_text("Added 1 document", timeout=60_000)
        page.locator("#question textarea").fill("How many cargo ships waited offshore?")
        page.keyboard.press("Enter")
        expect(page.locator("#chat .message").last).to_contain_text("forty-two cargo ships", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "ui-upload.png"))

        # A bad upload gets its message and loses nothing.
        before = len(assistant.documents())
        bad = tmp_path / "photo.png"
        bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
        page.locator("#upload input[type=file]").set_input_files(str(bad))
        expect(page.locator("#upload-status")).to_contain_text("Rejected photo.png: unsupported type .png", timeout=30_000)
        binary = tmp_path / "notes.txt"
        binary.write_bytes(b"\x00\x01\x02binary")
        page.locator("#upload input[type=file]").set_input_files(str(binary))
        expect(page.locator("#upload-status")).to_contain_text("Rejected notes.txt: binary file", timeout=30_000)
        assert len(assistant.documents()) == before
        page.screenshot(path=str(ARTIFACTS / "ui-rejected.png"))
        browser.close()
    shutil.copyfile(ARTIFACTS / "ui-troops.png", ARTIFACTS / "ui-latest.png")


def test_store_upload_never_replaces_a_different_file_with_the_same_name(tmp_path: Path) -> None:
    from ui.uploads import store_upload

    uploads = tmp_path / "uploads"
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first, second = tmp_path / "one" / "report.txt", tmp_path / "two" / "report.txt"
    first.write_text("Budget report\nThe council passed the budget.")
    second.write_text("Weather report\nIt rained all week in the valley.")

    assert store_upload(first, uploads) == (uploads / "report.txt", "new")
    assert store_upload(second, uploads) == (uploads / "report-2.txt", "renamed")
    assert store_upload(first, uploads) == (uploads / "report.txt", "same")
    assert store_upload(second, uploads) == (uploads / "report-2.txt", "same")
    assert (uploads / "report.txt").read_text().startswith("Budget") and (uploads / "report-2.txt").read_text().startswith("Weather")
    assert sorted(p.name for p in uploads.iterdir()) == ["report-2.txt", "report.txt"]  # no temp files left behind


def test_store_upload_never_follows_a_symlink(tmp_path: Path) -> None:
    from ui.uploads import store_upload

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("Top secret\nThe launch codes.")
    (uploads / "report.txt").symlink_to(secret)
    (uploads / "notes.txt").symlink_to(tmp_path / "elsewhere.txt")  # dangling
    (tmp_path / "in").mkdir()
    same_bytes = tmp_path / "in" / "report.txt"
    same_bytes.write_text(secret.read_text())  # identical content must not be "found" through the link
    notes = tmp_path / "in" / "notes.txt"
    notes.write_text("Notes\nMeeting moved to Tuesday.")

    assert store_upload(same_bytes, uploads) == (uploads / "report-2.txt", "renamed")
    assert store_upload(notes, uploads) == (uploads / "notes-2.txt", "renamed")
    assert (uploads / "report.txt").is_symlink() and (uploads / "notes.txt").is_symlink()
    assert secret.read_text() == "Top secret\nThe launch codes." and not (tmp_path / "elsewhere.txt").exists()
    assert not (uploads / "report-2.txt").is_symlink() and (uploads / "notes-2.txt").read_text().startswith("Notes")


def test_uploading_two_articles_with_the_same_name_keeps_both(served: tuple[str, Assistant], tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    url, assistant = served
    client = Client(url, verbose=False)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first, second = tmp_path / "one" / "report.txt", tmp_path / "two" / "report.txt"
    first.write_text("Budget report\nThe council passed the budget of twelve million euros on Monday.")
    second.write_text("Weather report\nIt rained all week in the valley, and the river flooded two farms.")

    status, *_ = client.predict([handle_file(str(first))], api_name="/upload")
    assert "**Added** 1 document(s): report." in status
    status, *_ = client.predict([handle_file(str(second))], api_name="/upload")
    assert "**Added** 1 document(s): report-2." in status
    assert "report.txt: a different article with this name exists; added as report-2" in status
    status, *_ = client.predict([handle_file(str(first))], api_name="/upload")
    assert "Added" not in status and "report.txt: already indexed" in status

    texts = {d.id: d.text for d in assistant.documents()}
    assert texts["report"].startswith("Budget report") and texts["report-2"].startswith("Weather report")

    # A file the loader rejects is not kept in uploads/, so a second try is rejected again, not "already indexed".
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    for _ in range(2):
        status, *_ = client.predict([handle_file(str(binary))], api_name="/upload")
        assert "**Rejected** scan.txt: binary file" in status and "already indexed" not in status
    uploads = assistant.index_dir.parent / "uploads"
    assert {"report.txt", "report-2.txt"} <= {p.name for p in uploads.iterdir()}
    assert not any(p.name.startswith(("scan", ".")) for p in uploads.iterdir())


def test_uploads_leave_no_copy_in_gradios_temp_folder(served: tuple[str, Assistant], tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    from ui.app import _gradio_temp_dir

    url, _ = served
    article = tmp_path / "harbour-strike-7f3a.txt"
    article.write_text("Harbour strike\nDock workers walked out on Friday over pay, halting the port for a day.")
    status, *_ = Client(url, verbose=False).predict([handle_file(str(article))], api_name="/upload")
    assert "**Added** 1 document(s)" in status
    assert not list(_gradio_temp_dir().rglob(article.name))


def test_launch_options_set_gradios_upload_limit() -> None:
    from ui.app import launch_options

    assert launch_options(5)["max_file_size"] == 5 * 1024 * 1024 and launch_options()["max_file_size"] == 20 * 1024 * 1024
    assert launch_options(0.05)["max_file_size"] == 52428


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://wire.example.com/quake", True),
        ("HTTP://wire.example.com/quake?a=1&b=2", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("https:///no-host", False),
        (None, False),
    ],
)
def test_a_source_card_links_its_title_to_the_article_over_http_only(url: str | None, linked: bool) -> None:
    from rag import Answer, Citation
    from ui.app import render_sources

    citation = Citation(1, "quake", "Quake <kills> 31", "/srv/news/quake.json", 0, 5, "Quake", url=url)
    answer = Answer("How many?", "Quake [1]", False, citations=(citation,))
    card = render_sources(answer, 1)
    assert ("<a class=\"src-link\"" in card) == linked
    assert "Quake &lt;kills&gt; 31" in card and "<kills>" not in card
    if linked:
        assert 'rel="noopener noreferrer" target="_blank"' in card
        assert "&b=" not in card  # the URL's & is escaped inside the attribute
    assert "quake.json" in card and "/srv/news" not in card  # rag ui: the file by name
    assert "quake.json" not in render_sources(answer, 1, show_paths=False)  # a served UI: no file at all


def test_source_card_escapes_the_article_text_before_in_and_after_the_quote() -> None:
    """Article text carries markup too, not only questions: every part of a source card's passage is shown as text."""
    from rag._types import Answer, Citation, Passage
    from ui.app import render_sources

    before, quote = "<b>Before</b> the storm. ", "The harbour <i>reopened</i> on Tuesday."
    after = " <img src=x onerror=alert(1)> Officials <script>alert(2)</script> & co."
    text = before + quote + after
    lo, hi = len(before), len(before) + len(quote)
    passage = Passage(1, "harbour", "Harbour <u>reopens</u>", "/articles/harbour.txt", 100, 100 + len(text), text, 0.9)
    citation = Citation(1, "harbour", "Harbour <u>reopens</u>", "/articles/harbour.txt", 100 + lo, 100 + hi, quote, 0.8)
    answer = Answer("<em>When</em> did it reopen?", "It reopened on Tuesday. [1]", False, (citation,), (passage,))
    html = render_sources(answer, 1)
    for tag in ("<b>", "<i>", "<img", "<script", "<u>", "<em>"):
        assert tag not in html, tag
    assert "&lt;b&gt;Before&lt;/b&gt;" in html and "<mark>The harbour &lt;i&gt;reopened&lt;/i&gt; on Tuesday.</mark>" in html
    assert "&lt;img src=x onerror=alert(1)&gt; Officials &lt;script&gt;alert(2)&lt;/script&gt; &amp; co." in html


# ---------------------------------------------------------------- the app's parts, unit-sized (issue #30: mutation)
# The rendering functions on answers built by hand, and the app's event functions called as Gradio calls them
# (build_app's Blocks, not served) over a two-article index: what `scripts/mutation.sh ui` runs for every mutant.


FAST = "Fast (evidence score only)"
EXTRACTIVE = "Extractive (quotes)"
PLACEHOLDER = "<p>Sources of each answer appear here.</p>"


def _no_progress(*args: object, **kwargs: object) -> None:
    """What Gradio's progress tracker is to an event function called outside a request: nothing to update."""


def test_app_render_answer_in_each_form() -> None:
    from ui.app import render_answer

    assert render_answer(Answer("q?", REFUSAL_TEXT, True), 1) == (
        f"**{REFUSAL_TEXT}**\n\n<span class='refusal-note'>Nothing in the indexed articles is strong enough "
        "evidence. The closest passages are listed under Sources.</span>")
    assert render_answer(Answer("q?", "No article since 2030-01-01 *now*", True), 1) == (
        "**No article since 2030-01-01 &#42;now&#42;**")
    cited = (Citation(1, "a", "A", "a.txt", 0, 1, "x"), Citation(2, "b", "B", "b.txt", 0, 1, "y"))
    text = "Troops arrived [1]. Ships <b>left</b> [2] and [3]."
    linked = ("Troops arrived <a href='#src-4-1'>[1]</a>. Ships &#60;b&#62;left&#60;/b&#62; <a href='#src-4-2'>[2]</a> "
              "and &#91;3&#93;.")
    assert render_answer(Answer("q?", text, False, cited), 4) == linked
    full = Answer("q?", text, False, cited, short_answer="ten *thousand*", time_scope=TimeScope("latest", prefer="newest"),
                  disagreements=(Disagreement("number", ("120,000", "[150,000]"), (1, 2)),))
    assert render_answer(full, 4) == (
        f"**ten &#42;thousand&#42;**\n\n{linked}\n\n<span class='refusal-note'>Time scope: “latest” → newest article first"
        "</span><br><span class='refusal-note'>Sources differ (number): 120,000 &#91;1&#93; vs &#91;150,000&#93; "
        "&#91;2&#93;</span>")
    assert render_answer(Answer("q?", "[1] only", False), 1) == "&#91;1&#93; only"  # no citation: no link


def _citation_answer(title: str = "Harbour") -> tuple[Answer, Passage]:
    text = "Storm hit. The harbour reopened on Tuesday. Ships waited."
    passage = Passage(1, "harbour", "Harbour", "/srv/news/wire.txt", 100, 100 + len(text), text, 0.9)
    quote = "The harbour reopened on Tuesday."
    citation = Citation(1, "harbour", title, "/srv/news/wire.txt", 111, 143, quote, 0.8, published="2024-03-08",
                        outlet="Wire", also_published=(Copy("h2", "Harbour", "post.txt", "Post", "2024-03-09"),),
                        dates=(MentionedDate(24, 31, "Tuesday", "2024-03-05", "relative"),
                               MentionedDate(0, 4, "2024", "2024", "explicit")))
    other = Citation(2, "other", "Other <i>", "other.txt", 0, 9, "Ships <b>", 0.5)
    return Answer("When <did> it reopen?", "It reopened on Tuesday [1]. Ships [2].", False, (citation, other), (passage,)), passage


def test_app_source_cards_of_an_answer_in_full() -> None:
    from ui.app import render_sources

    answer, _ = _citation_answer()
    first = (
        "<div class='src-card' id='src-2-1'><div class='src-head'>[1] Harbour</div>"
        "<div class='src-meta'>Wire, 2024-03-08 · wire.txt</div>"
        "<div class='src-body'>Storm hit. <mark>The harbour reopened on Tuesday.</mark></div>"
        "<details class='src-more'><summary>More</summary><p>Storm hit. <mark>The harbour reopened on Tuesday.</mark> "
        "Ships waited.</p><p class='src-meta'>characters 111–143<br>dates: Tuesday → 2024-03-05"
        "<br>also published by: Post, 2024-03-09</p></details></div>")
    second = (  # no passage holds it: the quote alone
        "<div class='src-card' id='src-2-2'><div class='src-head'>[2] Other &lt;i&gt;</div>"
        "<div class='src-meta'>date unknown · other.txt</div><div class='src-body'><mark>Ships &lt;b&gt;</mark></div>"
        "<details class='src-more'><summary>More</summary><p><mark>Ships &lt;b&gt;</mark></p>"
        "<p class='src-meta'>characters 0–9</p></details></div>")
    plain = html_escape(reply_text(answer))
    assert render_sources(answer, 2) == (
        f"<details class='src-turn' open><summary>Q2: When &lt;did&gt; it reopen?</summary>"
        f"<pre class='plain-answer'>{plain}</pre>{first}{second}</details>")
    hidden = render_sources(answer, 2, show_paths=False)
    assert "wire.txt" not in hidden and "<div class='src-meta'>Wire, 2024-03-08</div>" in hidden
    # The sentence before the quote is the headline: the sentence after it is the context instead.
    headline, _ = _citation_answer(title="Storm hit.")
    assert ("<div class='src-body'><mark>The harbour reopened on Tuesday.</mark> Ships waited.</div>"
            in render_sources(headline, 1))


def html_escape(text: str) -> str:
    return html.escape(text)


class _Named:
    """An uploaded file as some Gradio versions hand it over: an object with the path as ``name``."""

    def __init__(self, name: str) -> None:
        self.name = name


def test_app_context_of_a_quote() -> None:
    from ui.app import _in_context

    text = "Harbour news\nThe harbour reopened. Ships  waited offshore. Crews cheered!  Then rain."
    quote_at = text.index("Ships")
    end = text.index("offshore.") + len("offshore.")
    assert _in_context(text, quote_at, end) == "The harbour reopened. <mark>Ships  waited offshore.</mark>"
    first = text.index("The harbour")
    assert _in_context(text, first, quote_at - 1) == "Harbour news <mark>The harbour reopened.</mark>"
    assert _in_context(text, first, quote_at - 1, "Harbour news") == "<mark>The harbour reopened.</mark> Ships  waited offshore."
    assert _in_context(text, 0, 12) == "<mark>Harbour news</mark> The harbour reopened."
    assert _in_context("Only <this>.", 0, 12) == "<mark>Only &lt;this&gt;.</mark>"
    assert _in_context(text, text.index("Then"), len(text)) == "Crews cheered! <mark>Then rain.</mark>"


def test_app_source_cards_of_a_refusal_show_the_closest_passages() -> None:
    from ui.app import render_sources

    passages = tuple(Passage(i, f"d{i}", f"T<{i}>", f"/srv/p{i}.txt", 0, 4, f"text {i} & more", 0.1) for i in range(1, 7))
    refusal = Answer("q?", REFUSAL_TEXT, True, passages=passages)

    def card(i: int, turn: int = 1) -> str:
        return (f"<div class='src-card' id='src-{turn}-p{i}'><div class='src-head'>T&lt;{i}&gt;</div>"
                f"<div class='src-meta'>closest passage {i} · p{i}.txt</div><div class='src-body'>text {i} &amp; more</div></div>")

    assert render_sources(refusal, 1) == (
        "<details class='src-turn' open><summary>Q1: q? (not answered; closest passages)</summary>"
        f"<pre class='plain-answer'>{html_escape(REFUSAL_TEXT)}</pre>{card(1)}{card(2)}{card(3)}</details>")
    assert render_sources(refusal, 3, heading="retrieved passages") == (
        "<details class='src-turn' open><summary>Q3: q? (retrieved passages)</summary>"
        + "".join(card(i, 3) for i in range(1, 6)) + "</details>")


def test_app_timeline_cards() -> None:
    from rag._timeline import Timeline, TimelineEvent
    from ui.app import render_timeline

    assert render_timeline(Timeline("q", ())) == "<p>No dated events found in the retrieved articles.</p>"
    quake = Citation(1, "quake", "Quake <kills>", "q.txt", 0, 30, "Monday's quake, said on Wednesday", outlet="Wire",
                     published="2026-06-03")
    storm = Citation(2, "storm", "Storm", "s.txt", 5, 9, "Storm & rain", url="https://s.example/a?b=1&c=2")
    events = (TimelineEvent("2026-06-01", "relative", "Monday's", quake), TimelineEvent("2026-06-02", "published", None, storm),
              TimelineEvent("2026-06-03", "relative", "on <Wednesday>", quake))
    shown = render_timeline(Timeline("q", events, TimeScope("in June", since="2026-06-01", until="2026-06-30")))
    assert shown == (
        "<p class='refusal-note'>Time scope: “in June” → published 2026-06-01 to 2026-06-30</p>"
        "<div class='src-card' id='event-1'><div class='src-head'>2026-06-01, 2026-06-03 [1] Quake &lt;kills&gt;</div>"
        "<div class='src-meta'>Wire, 2026-06-03 · relative: “Monday&#x27;s”; relative: “on &lt;Wednesday&gt;”</div>"
        "<div class='src-body'><mark>Monday&#x27;s quake, said on Wednesday</mark></div></div>"
        "<div class='src-card' id='event-2'><div class='src-head'>2026-06-02 [2] <a class=\"src-link\" "
        "href=\"https://s.example/a?b=1&amp;c=2\" rel=\"noopener noreferrer\" target=\"_blank\">Storm</a></div>"
        "<div class='src-meta'>date unknown · publication date</div><div class='src-body'><mark>Storm &amp; rain</mark>"
        "</div></div>")


def test_app_example_questions_newest_headlines_first() -> None:
    from ui.app import example_questions

    def doc(doc_id: str, title: str, published: str | None) -> SourceDocument:
        return SourceDocument(doc_id, title, f"{doc_id}.txt", "", "", published=published)

    long = "The council approved the harbour bridge budget, the ferry timetable and the new tram line late on Friday"
    docs = [doc("a", "Harbour reopens.", "2024-01-02"), doc("b", "Quake strikes", "2026-06-02"),
            doc("c", "Storm: what next?!", None), doc("d", "Quake strikes", "2026-06-01"), doc("e", "   ", "2026-07-01"),
            doc("f", long, "2025-05-05"), doc("g", "Rates rise;,", "2023-01-01")]
    assert example_questions(docs) == [
        "What happened: Quake strikes?",
        "What happened: The council approved the harbour bridge budget, the ferry timetable…?",  # "an|d" cut
        "What happened: Harbour reopens?",
        "What happened: Rates rise?",
        "What's the latest?",  # the newest news as a whole: an overview
    ]
    assert example_questions(docs, n=6)[4:] == ["What happened: Storm: what next?", "What's the latest?"]
    assert example_questions(docs, n=1) == ["What happened: Quake strikes?", "What's the latest?"]
    assert example_questions([]) == []
    exactly = "x" * 70

    def heads(docs: list[SourceDocument]) -> list[str]:
        """The headline questions alone."""
        *questions, latest = example_questions(docs)
        assert latest == "What's the latest?"
        return questions

    assert heads([doc("h", exactly, None)]) == [f"What happened: {exactly}?"]
    # A word that ends at the 70th character is whole: it stays; one that runs past it goes.
    ends = "word " * 13 + "lastw" + " more words follow"  # the 70th character is lastw's w
    assert heads([doc("i", ends, None)]) == [f"What happened: {'word ' * 13}lastw…?"]
    runs = "word " * 13 + "lastwo" + " more words follow"
    assert heads([doc("j", runs, None)]) == [f"What happened: {('word ' * 13).rstrip()}…?"]
    assert heads([doc("h", "y" * 60 + " zzzzzzzzzzzz", None)]) == [f"What happened: {'y' * 60}…?"]
    assert heads([doc("h", "y" * 60 + " zz, zzzz zzzzzzz", None)]) == [f"What happened: {'y' * 60} zz, zzzz…?"]
    assert heads([doc("h", "y" * 60 + " zz, zzzzzzzzzz", None)]) == [f"What happened: {'y' * 60} zz…?"]


def test_app_feed_report_and_watched_list_in_full(tmp_path: Path) -> None:
    from rag import Assistant as Plain
    from ui.app import render_feed_report, render_watched
    from ui.feeds import FeedReport

    url = "https://a.example/feed.xml"
    assert render_feed_report(FeedReport(url, added=("a", "b"), watched=True)) == (
        "**Added** 2 article(s) from https&#58;//a.example/feed.xml; searchable now. Watched: `rag watch` on this index "
        "polls it.")
    assert render_feed_report(FeedReport(url, added=("a",))) == (
        "**Added** 1 article(s) from https&#58;//a.example/feed.xml; searchable now.")
    assert render_feed_report(FeedReport(url, unchanged=3)) == (
        "Nothing new at https&#58;//a.example/feed.xml: its 3 article(s) are indexed already.")
    assert render_feed_report(FeedReport(url, failed=("x:\n  not a *feed*",), warnings=("w\tone",), notes=("n  two",))) == (
        "**Failed** x: not a &#42;feed&#42;\n\n**Warning** w one\n\nn two")
    index = tmp_path / "index"
    index.mkdir()
    assert render_watched(Plain(index)) == (
        "**Feeds and URLs**: none yet (`rag index URL`, `rag watch URL` or Add feed URL add them).")
    sources = {
        "https://b.example/page": {"kind": "article", "checked": "2026-12-02T21:40:00+00:00", "added": 1},
        "https://u:pw@a.example/feed": {"kind": "feed", "watch": True, "added": 2, "unchanged": 3, "failed": 1,
                                        "error": "timed out\n at /srv/x", "checked": "2026-12-01T08:00:00+00:00"},
        "file:/srv/lists/urls.txt": {"watch": True},
    }
    (index / "sources.json").write_text(json.dumps({"version": 1, "sources": sources}), encoding="utf-8")
    assert render_watched(Plain(index), show_paths=False) == "\n".join([
        "**Feeds and URLs** (`rag watch` on this index polls the watched ones)", "",
        "- file urls.txt · watched not read yet · checked never · 0 added, 0 updated, 0 unchanged, 0 failed",
        "- https&#58;//&#42;&#42;&#42;&#64;a.example/feed · watched feed · checked 2026-12-01 08:00:00 UTC · 2 added, 0 updated, "
        "3 unchanged, 1 failed · ⚠️ timed out\n at x",
        "- https&#58;//b.example/page · article · checked 2026-12-02 21:40:00 UTC · 1 added, 0 updated, 0 unchanged, "
        "0 failed",
    ])
    shown = render_watched(Plain(index))  # rag ui: this machine's paths are shown
    assert "- file /srv/lists/urls.txt · watched" in shown and "⚠️ timed out\n at /srv/x" in shown
    many = {f"https://c.example/{i:02d}": {"kind": "article"} for i in range(52)}
    (index / "sources.json").write_text(json.dumps({"version": 1, "sources": many}), encoding="utf-8")
    lines = render_watched(Plain(index)).splitlines()
    assert len(lines) == 53 and lines[-2].startswith("- https&#58;//c.example/49 ") and lines[-1] == "- … and 2 more"


@pytest.fixture(scope="module")
def app_assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Assistant:
    root = tmp_path_factory.mktemp("app")
    write_two_articles(root / "docs")
    assistant = Assistant(root / "index", embeddings=embedder, settings=Settings(reader="fast"))
    assistant.index([root / "docs"])
    return assistant


def _updates(events: Any) -> list[tuple[Any, ...]]:
    """Each update as Gradio sends it when it is yielded (later updates change the same history list in place)."""
    import copy

    return [copy.deepcopy(update) for update in events]


def _event(app: gr.Blocks, name: str) -> Any:
    return next(f.fn for f in app.fns.values() if getattr(f.fn, "__name__", None) == name)


def _component(app: gr.Blocks, elem_id: str) -> Any:
    return next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == elem_id)


def test_app_first_screen_index_panel_and_wiring(app_assistant: Assistant, tmp_path: Path) -> None:
    from ui.app import UPLOAD_CACHE, build_app

    app = build_app(app_assistant, upload_dir=tmp_path / "uploads")
    info = app_assistant.info()
    assert _component(app, "first-screen").value == (
        "## Ask the articles\nIndex **index**: 2 articles, newest 2024-03-05. Every statement cites the sentences it "
        "comes from; click a **[n]** to see its source.")
    summary = (f"**2 documents · 2 chunks** · model `{info['embedding_model']}`\n"
               f"index `{app_assistant.index_dir}` ({info['size_bytes'] / 1024:.0f} KiB)\n\n"
               "- Bridge closes (bridge)\n- Harbour reopens (harbour)")
    assert _component(app, "index-panel").value == summary
    assert _event(app, "refresh_index")() == (summary, "**Feeds and URLs**: none yet (`rag index URL`, `rag watch URL` "
                                                       "or Add feed URL add them).")
    assert _component(app, "backend").value == EXTRACTIVE and _component(app, "backend").choices == [(EXTRACTIVE, EXTRACTIVE)]
    assert _component(app, "reader").value == FAST
    assert app.delete_cache == UPLOAD_CACHE and app.title == "News Q&A with citations"
    api = {f.api_name: [getattr(c, "elem_id", None) for c in f.inputs] for f in app.fns.values() if f.api_name in (
        "chat", "upload", "add_feed", "timeline")}
    assert api == {"chat": ["question", "chat", None, "backend", "reader", "since", "until", "as-of", "include-undated", None],
                   "upload": ["upload"], "add_feed": ["feed-url"],
                   "timeline": ["timeline-query", "since", "until", "as-of", "include-undated"]}
    examples = [f.fn() for f in app.fns.values() if getattr(f.fn, "__name__", None) == "<lambda>"]
    assert examples == ["What happened: Harbour reopens?", "What happened: Bridge closes?", "What's the latest?"]
    hidden = build_app(app_assistant, show_paths=False, read_only=True, delete_cache=(1, 2))
    assert _component(hidden, "index-panel").value.splitlines()[1] == f"index `index` ({info['size_bytes'] / 1024:.0f} KiB)"
    names = {getattr(f.fn, "__name__", None) for f in hidden.fns.values()}
    assert "upload" not in names and "add_feed" not in names and hidden.delete_cache == (1, 2)
    assert not any(getattr(b, "elem_id", None) in ("feed-url", "add-feed") for b in hidden.blocks.values())


def test_app_chat_answers_in_two_updates_and_keeps_older_turns_closed(app_assistant: Assistant, tmp_path: Path) -> None:
    from ui.app import build_app, render_answer, render_sources

    respond = _event(build_app(app_assistant, upload_dir=tmp_path / "uploads"), "respond")
    question = "How many cargo ships waited offshore?"
    updates = _updates(respond(f"  {question} ", [], 2.0, EXTRACTIVE, FAST, "", "", "", False, []))
    answer = app_assistant.ask(question, top_k=2, reader="fast")
    full = render_answer(answer, 1)
    words = re.split(r"(\s+)", full)
    half = "".join(words[: -(-len(words) // 2)])
    cards = render_sources(answer, 1)
    assert [u[0] for u in updates] == ["", gr.skip()]  # the question box is cleared once
    assert [u[1][-1]["content"] for u in updates] == [half, full]
    assert updates[-1][1] == [{"role": "user", "content": question}, {"role": "assistant", "content": full}]
    assert all(u[2] == [cards] and u[3] == cards for u in updates)
    # A second turn: numbered 2, the first turn's cards folded, the earlier question handed on as history.
    history = updates[-1][1]
    follow = _updates(respond("When did the harbour reopen?", history, 1, EXTRACTIVE, "fast", "", "", "", False, [cards]))
    second = app_assistant.ask("When did the harbour reopen?", top_k=1, reader="fast", history=[question])
    older = cards.replace("<details class='src-turn' open>", "<details class='src-turn'>")
    assert follow[-1][2] == [render_sources(second, 2), older] and follow[-1][3] == render_sources(second, 2) + older
    expected = render_answer(second, 2)
    if second.standalone_question:
        expected = f"<span class='refusal-note'>(understood as: {second.standalone_question})</span>\n\n{expected}"
    assert follow[-1][1][-1]["content"] == expected and len(follow[-1][1]) == 4
    assert history == updates[-1][1] and len(history) == 2  # the given history is not changed in place


def test_app_chat_dates_errors_and_the_undated_hint(app_assistant: Assistant, tmp_path: Path) -> None:
    from ui.app import build_app

    respond = _event(build_app(app_assistant, upload_dir=tmp_path / "uploads"), "respond")
    (only,) = list(respond("", None, 5, EXTRACTIVE, FAST, "", "", "", False, None))
    with pytest.raises(RagError) as caught:
        app_assistant.ask("")
    assert only == ("", [{"role": "user", "content": "(empty)"}, {"role": "assistant", "content": f"⚠️ {caught.value}"}],
                    [], PLACEHOLDER)
    (only,) = list(respond("When did the bridge close?", [], 5, EXTRACTIVE, FAST, "2021-02-30", "", "", False, ["<x>"]))
    with pytest.raises(RagError) as caught:
        app_assistant.ask("When did the bridge close?", since="2021-02-30")
    assert only[1][-1] == {"role": "assistant", "content": f"⚠️ {caught.value}"} and only[2:] == (["<x>"], "<x>")
    # Dates are stripped, and a range without articles says so, worded for this page (the checkbox, not the flag).
    updates = list(respond("When did the bridge close?", [], 5, EXTRACTIVE, FAST, " 2030-01-01 ", "  ", "", False, []))
    refusal = updates[-1][1][-1]["content"]
    assert refusal.startswith("**No indexed article was published") and "“Keep articles of unknown date” under Dates" in refusal
    assert "--include-undated" not in refusal
    # Articles of unknown date count with the checkbox: the bridge (undated) answers.
    kept = list(respond("When did the bridge close?", [], 5, EXTRACTIVE, FAST, "2030-01-01", "", "", True, []))
    assert "3 March 2024" in kept[-1][1][-1]["content"]
    scoped = list(respond("When did the harbour reopen?", [], 5, EXTRACTIVE, FAST, "", " 2024-03-04 ", "", False, []))
    assert "harbour" not in scoped[-1][3].split("</summary>", 1)[1].lower()  # published the 5th: after `until`
    as_of = list(respond("When did the harbour reopen?", [], 5, EXTRACTIVE, FAST, "", "", "2024-03-04 ", False, []))
    assert "Time scope: “as of 2024-03-04”" in as_of[-1][3]  # as of the 4th, the harbour article doesn't exist yet
    assert "harbour" not in as_of[-1][3].split("</summary>", 1)[1].lower()


def test_app_chat_shows_an_unexpected_error_in_one_line(
    app_assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.app import build_app

    respond = _event(build_app(app_assistant, upload_dir=tmp_path / "uploads"), "respond")

    def broken(*args: object, **kwargs: object) -> Any:
        raise ValueError("index <gone>")
        yield  # a generator, as stream is

    monkeypatch.setattr(app_assistant, "stream", broken)
    (only,) = list(respond("q?", [], 5, EXTRACTIVE, FAST, "", "", "", False, ["<a>", "<b>"]))
    assert only == ("", [{"role": "user", "content": "q?"},
                         {"role": "assistant", "content": "⚠️ Something went wrong (ValueError: index &#60;gone&#62;)."}],
                    ["<a>", "<b>"], "<a><b>")


def test_app_chat_with_an_llm_shows_the_passages_the_raw_text_then_the_checked_answer(
    app_assistant: Assistant, embedder: Any, tmp_path: Path
) -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from ui.app import build_app, render_answer, render_sources

    reply = "Forty-two cargo ships had waited offshore [1]."
    model = GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))
    llm = Assistant.load(app_assistant.index_dir, embeddings=embedder, settings=Settings(reader="fast"), llm=model)
    app = build_app(llm, upload_dir=tmp_path / "uploads")
    backend = _component(app, "backend")
    assert backend.value == "LLM: GenericFakeChatModel" and [c[0] for c in backend.choices] == [EXTRACTIVE, backend.value]
    question = "How many cargo ships waited offshore?"
    updates = _updates(_event(app, "respond")(question, [], 5, backend.value, FAST, "", "", "", False, ["<old open>"]))
    preview = updates[0]
    assert preview[0] == "" and preview[1] == [{"role": "user", "content": question}, {"role": "assistant", "content": "…"}]
    assert preview[2] == ["<old open>"] and preview[3].startswith(
        "<details class='src-turn' open><summary>Q2: How many cargo ships waited offshore? (retrieved passages)</summary>")
    assert preview[3].endswith("<old open>")
    tokens = updates[1:-1]
    assert tokens and all(u[0] == gr.skip() and u[3] == gr.skip() for u in tokens)
    assert tokens[-1][1][-1]["content"] == reply.replace("[", "&#91;").replace("]", "&#93;")  # raw: shown, not rendered
    final = updates[-1]
    model2 = GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))
    again = Assistant.load(app_assistant.index_dir, embeddings=embedder, settings=Settings(reader="fast"), llm=model2)
    answer = again.ask(question, top_k=5, use_llm=True)
    assert final[0] == gr.skip() and final[1][-1] == {"role": "assistant", "content": render_answer(answer, 2)}
    assert final[2] == [render_sources(answer, 2), "<old open>"] and final[3] == render_sources(answer, 2) + "<old open>"
    # The extractive backend of the same app quotes.
    quoted = list(_event(app, "respond")(question, [], 5, EXTRACTIVE, FAST, "", "", "", False, []))
    assert len(quoted) == 2 and quoted[-1][1][-1]["content"] == render_answer(llm.ask(question, top_k=5, use_llm=False), 1)


def test_app_timeline_event(app_assistant: Assistant, tmp_path: Path) -> None:
    from ui.app import build_app, render_timeline

    timeline = _event(build_app(app_assistant, upload_dir=tmp_path / "uploads"), "timeline")
    assert timeline("bridge repairs", "", " ", "", False) == render_timeline(app_assistant.timeline("bridge repairs"))
    assert timeline(None, "", "", "", False).startswith("<p>⚠️ ")
    with pytest.raises(RagError) as caught:
        app_assistant.timeline("bridge repairs", since="2024-13-01")
    assert timeline("bridge repairs", " 2024-13-01", "", "", False) == f"<p>⚠️ {html_escape(str(caught.value))}</p>"
    bounded = timeline("bridge repairs", "", "2024-03-01", "", True)
    assert bounded == render_timeline(app_assistant.timeline("bridge repairs", until="2024-03-01", include_undated=True))
    assert bounded != render_timeline(app_assistant.timeline("bridge repairs", until="2024-03-01"))
    as_of = timeline("harbour", "", "", " 2024-03-04", False)
    assert as_of == render_timeline(app_assistant.timeline("harbour", as_of="2024-03-04"))


def test_app_uploads_report_each_file_and_leave_no_gradio_copy(
    app_assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.app import _first_screen, _index_summary, build_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    index = tmp_path / "ix"
    shutil.copytree(app_assistant.index_dir, index)
    assistant = Assistant.load(index, embeddings=app_assistant.embeddings, settings=Settings(reader="fast"))
    upload = _event(build_app(assistant, upload_dir=tmp_path / "uploads"), "upload")
    assert upload(None, _no_progress) == ("No file chosen.", _index_summary(assistant), None, _first_screen(assistant))
    assert upload([], _no_progress)[0] == "No file chosen."
    cached = tmp_path / "gradio" / "0123abcd" / "ferry.txt"
    cached.parent.mkdir(parents=True)
    cached.write_text("---\ntitle: Ferry returns\npublished: someday\n---\nThe ferry returned to service on Monday.\n")
    mine = tmp_path / "mine" / "notes.md"
    mine.parent.mkdir()
    mine.write_bytes(b"\x00\x01binary")
    status, summary, emptied, heading = upload([str(cached), _Named(str(mine))], _no_progress)
    assert status.split("\n\n") == [
        "**Added** 1 document(s): ferry. They are searchable now.",
        "**Rejected** notes.md: binary file (contains NUL bytes), not text",
        '**Warning** ferry.txt: published "someday" is not a date (give a real day, e.g. published: 2024-05-01); '
        "indexed without a date",
    ]
    assert summary == _index_summary(assistant) and "- Ferry returns (ferry)" in summary and emptied is None
    assert heading == _first_screen(assistant) and "3 articles" in heading
    assert not cached.exists() and not cached.parent.exists()  # Gradio's copy and its folder: gone
    assert mine.exists()  # a file outside Gradio's temp folder is never deleted
    again = upload([str(tmp_path / "uploads" / "ferry.txt")], _no_progress)[0]
    assert "Added" not in again and "ferry.txt: already indexed" in again


def test_app_add_feed_refuses_what_is_not_a_web_address(app_assistant: Assistant, tmp_path: Path) -> None:
    from rag import InputError
    from ui.app import _first_screen, _index_summary, build_app, render_watched
    from ui.feeds import check_url

    add_feed = _event(build_app(app_assistant, upload_dir=tmp_path / "uploads"), "add_feed")
    with pytest.raises(InputError, match="not a web address"):
        check_url("ftp://example.com/feed")
    assert add_feed("ftp://example.com/feed", _no_progress) == (
        "**Failed** not a web address: 'ftp&#58;//example.com/feed'; give a feed or article URL starting with "
        "http&#58;// or https&#58;//", _index_summary(app_assistant), render_watched(app_assistant),
        _first_screen(app_assistant), gr.skip())


def test_app_conversation_is_saved_restored_and_cleared(app_assistant: Assistant, tmp_path: Path) -> None:
    from ui.app import build_app

    app = build_app(app_assistant, upload_dir=tmp_path / "uploads")
    save, restore, clear = _event(app, "save"), _event(app, "restore"), _event(app, "clear")
    turn = [{"role": "user", "content": "q?"}]
    assert save(turn, ["<a>"]) == {"chat": turn, "sources": ["<a>"]}
    assert restore(None) == ([], [], PLACEHOLDER) and restore("junk") == ([], [], PLACEHOLDER)
    assert restore({"chat": turn, "sources": ["<a>", 3, "<b>"]}) == (turn, ["<a>", "<b>"], "<a><b>")
    assert restore({"chat": None, "sources": None}) == ([], [], PLACEHOLDER)
    assert clear() == ([], [], PLACEHOLDER, {"chat": [], "sources": []}, "")


def test_app_options_and_gradios_temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.app import (
        CSS,
        HEAD,
        _drop_gradio_copy,
        _gradio_temp_dir,
        _upload_path,
        app_options,
        launch_options,
        own_temp_dir,
    )

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "g" / ".." / "gradio"))
    assert _gradio_temp_dir() == (tmp_path / "gradio").resolve()
    (tmp_path / "gradio").mkdir()
    old = tmp_path / "gradio" / "old.txt"
    old.write_text("x")
    os.utime(old, (0, 0))
    assert own_temp_dir(max_age_s=1) == (tmp_path / "gradio").resolve() and old.exists()  # a named folder is left alone
    options = app_options(0.5)
    assert set(options) == {"css", "head", "theme", "ssr_mode", "max_file_size", "allowed_paths"}
    assert options["css"] == CSS and options["head"] == HEAD and options["ssr_mode"] is False
    assert options["max_file_size"] == 524288 and options["allowed_paths"] == [str((tmp_path / "gradio").resolve())]
    launch = launch_options(0.5)
    assert launch.pop("quiet") is True and set(launch) == set(options) and launch["max_file_size"] == 524288
    assert launch_options()["max_file_size"] == 20 * 1024 * 1024
    monkeypatch.delenv("GRADIO_TEMP_DIR")
    assert _gradio_temp_dir() == (Path(tempfile_dir()) / "gradio").resolve()
    assert _upload_path("a/b.txt") == Path("a/b.txt") and _upload_path(_Named("c.txt")) == Path("c.txt")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    kept = tmp_path / "gradio" / "folder" / "a.txt"
    kept.parent.mkdir()
    kept.write_text("x")
    (kept.parent / "b.txt").write_text("y")
    _drop_gradio_copy(kept)
    assert not kept.exists() and kept.parent.is_dir()  # its folder is not empty: it stays
    outside = tmp_path / "outside.txt"
    outside.write_text("z")
    _drop_gradio_copy(outside)
    _drop_gradio_copy(tmp_path / "gradio" / "missing.txt")
    _drop_gradio_copy(tmp_path / "gradio" / "folder")  # a folder: never removed
    assert outside.exists() and (kept.parent / "b.txt").exists()


def tempfile_dir() -> str:
    import tempfile

    return tempfile.gettempdir()


def test_app_wording_of_the_undated_hint() -> None:
    from ui.app import _ui_worded

    hint = Answer("q?", "No article since 2030; include them with --include-undated (include_undated=True).", True)
    assert _ui_worded(hint).text == ("No article since 2030; tick “Keep articles of unknown date” under Dates to "
                                     "include them.")
    plain = Answer("q?", "Nothing to change.", True)
    assert _ui_worded(plain) is plain
# In-process tests of ui.app (issue #30): the app is built and its handlers called directly, as Gradio's queue
# calls them, with no server; mutmut's trampolines see only code run in this process.

FAST_READER = "Fast (evidence score only)"
EXTRACTIVE = "Extractive (quotes)"
NO_SOURCES = "<p>Sources of each answer appear here.</p>"
SKIP = {"__type__": "update"}  # gr.skip(): leave that output as it is


def handlers(app: Any) -> dict[str, Any]:
    """The app's event functions by name (the first one of each name: the chat's respond is its API's)."""
    found: dict[str, Any] = {}
    for fn in app.fns.values():
        found.setdefault(fn.name, fn.fn)
    return found


def replies(respond: Any, message: str, history: list[Any] | None = None, sources: list[str] | None = None, *,
            reader: str = FAST_READER, backend: str = EXTRACTIVE, top_k: float = 5, since: str = "", until: str = "",
            as_of: str = "", include_undated: bool = False) -> list[tuple[Any, ...]]:
    """Every update ``respond`` yields, each copied as Gradio sends it (the handler reuses its history list)."""
    return [copy.deepcopy(update) for update in respond(message, history, top_k, backend, reader, since, until, as_of,
                                                        include_undated, sources)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Assistant:
    """An index of one article, never warmed up: building the app over it loads no reader (quick for mutmut's runs)."""
    root = tmp_path_factory.mktemp("tiny")
    (root / "news").mkdir()
    (root / "news" / "harbour.txt").write_text(HARBOUR)
    assistant = Assistant(root / "index", embeddings=embedder)
    assistant.index([root / "news"])
    return assistant


@pytest.fixture()
def demo_app(tiny: Assistant) -> Any:
    """The app over the one-article index, built in each test: mutmut counts the test as one that runs ``build_app``."""
    from ui.app import build_app

    return build_app(tiny)


def test_the_chat_answers_in_two_updates_then_a_follow_up_folds_the_older_turn(news: Assistant) -> None:
    from ui.app import build_app

    respond = handlers(build_app(news))["respond"]
    question = "How many vehicles were recalled?"
    first, last = replies(respond, question, since="2026-01-01 ")
    quote = ("The carmaker is recalling 300,000 vehicles because a brake line can leak fluid and lengthen stopping "
             "distances, the company said last Thursday.")
    full = (f"{quote} <a href='#src-1-1'>[1]</a>\n\n<span class='refusal-note'>Time scope: “since 2026-01-01” → "
            "published 2026-01-01 to …</span>")
    words = re.split(r"(\s+)", full)
    assert len(words) == 67  # 34 words and the 33 spaces between them: the first update shows the first 34 pieces
    half = "The carmaker is recalling 300,000 vehicles because a brake line can leak fluid and lengthen stopping distances, "
    assert first[0] == "" and last[0] == SKIP  # the first update empties the question box, later ones leave it
    assert first[1] == [{"role": "user", "content": question}, {"role": "assistant", "content": half}]
    assert last[1] == [{"role": "user", "content": question}, {"role": "assistant", "content": full}]
    (card,) = last[2]
    assert card.startswith("<details class='src-turn' open><summary>Q1: How many vehicles were recalled?</summary>"
                           "<pre class='plain-answer'>")
    assert "<div class='src-card' id='src-1-1'>" in card and "Motor News, 2026-11-24 · recall-2026.md" in card
    assert first[2] == last[2] and first[3] == last[3] == card

    follow = replies(respond, "and in 2023?", last[1], last[2], top_k=3.0)
    history, sources, shown = follow[-1][1], follow[-1][2], follow[-1][3]
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]
    assert history[-1]["content"].startswith(
        "<span class='refusal-note'>(understood as: in 2023? (recalled))</span>\n\nThe carmaker said on Tuesday it is "
        "recalling 1.2 million vehicles")
    assert "<a href='#src-2-1'>[1]</a>" in history[-1]["content"]
    assert sources[0].startswith("<details class='src-turn' open><summary>Q2: and in 2023?</summary>")
    assert sources[1] == card.replace("<details class='src-turn' open>", "<details class='src-turn'>", 1)
    assert shown == sources[0] + sources[1]


def test_a_refusal_and_a_failure_are_shown_in_the_chat(news: Assistant) -> None:
    from ui.app import build_app

    respond = handlers(build_app(news))["respond"]
    *_, (box, history, sources, shown) = replies(respond, "Who won the cup?", top_k=4)
    assert history[-1]["content"] == (
        "**The articles don't contain the answer to this question.**\n\n<span class='refusal-note'>Nothing in the "
        "indexed articles is strong enough evidence. The closest passages are listed under Sources.</span>")
    (card,) = sources
    assert card.count("class='src-card'") == 3 and "(not answered; closest passages)" in card and shown == card

    # A refusal for the date range names the page's checkbox, not the command line's flag.
    *_, (_, history, _, _) = replies(respond, "How many vehicles were recalled?", since="2030-01-01")
    assert history[-1]["content"] == "**No indexed article was published since 2030-01-01.**"

    earlier = ["<details class='src-turn' open>earlier</details>"]
    (update,) = replies(respond, "  ", None, earlier)
    assert update == ("", [{"role": "user", "content": "(empty)"}, {
        "role": "assistant", "content": "⚠️ the question is empty: type a question, e.g. 'how many troops?'"}],
        earlier, earlier[0])
    (update,) = replies(respond, "troops?", [], None, top_k=float("nan"))
    assert update == ("", [{"role": "user", "content": "troops?"}, {
        "role": "assistant", "content": "⚠️ Something went wrong (ValueError: cannot convert float NaN to integer)."}],
        [], NO_SOURCES)
    earlier = [{"role": "user", "content": "Who won?"}, {"role": "assistant", "content": "No one [1]."}]
    (update,) = replies(respond, "Recalled when?", earlier, [], as_of="2021-02-30")
    assert update[1][:2] == earlier and update[1][2] == {"role": "user", "content": "Recalled when?"}
    assert update[1][3]["role"] == "assistant" and update[1][3]["content"].startswith("⚠️ as&#95;of '2021-02-30' is not a date")
    (update,) = replies(respond, "troops?", earlier, [], top_k=float("nan"))
    assert update[1][:2] == earlier and update[1][3] == {
        "role": "assistant", "content": "⚠️ Something went wrong (ValueError: cannot convert float NaN to integer)."}


def test_the_chat_passes_its_settings_to_the_assistant(news: Assistant) -> None:
    from ui.app import build_app

    respond = handlers(build_app(news))["respond"]
    question = "How many people were killed in the earthquake?"
    *_, (_, history, sources, _) = replies(respond, question, reader="Model (reads each candidate; short answers)")
    assert history[-1]["content"].startswith("**31**\n\n")  # the model reader's short answer
    assert sources[0].count("class='src-card'") == 2
    *_, (_, history, sources, _) = replies(respond, question, reader="fast", top_k=1)  # a reader by its own name
    assert not history[-1]["content"].startswith("**") and sources[0].count("class='src-card'") == 1
    *_, (_, history, _, _) = replies(respond, "How many vehicles were recalled?", until=" 2023-12-31 ")
    assert "recalling 1.2 million vehicles" in history[-1]["content"] and "300,000" not in history[-1]["content"]
    *_, (_, history, _, _) = replies(respond, "How many vehicles were recalled?", as_of="2024-01-01")
    assert "“as of 2024-01-01”" in history[-1]["content"] and "300,000" not in history[-1]["content"]


def test_an_llm_answer_streams_its_draft_then_shows_the_checked_text(demo_index_dir: Path, embedder: Any) -> None:
    from tests.helpers import RecordedLLM
    from ui.app import build_app

    llm = RecordedLLM("More than 10,000 troops are taking part [1]. The drills will last for three months [1].")
    try:
        settings = Settings.from_mapping({"llm": "openai", "llm_model": llm.model, "llm_base_url": llm.url})
        app = build_app(Assistant.load(demo_index_dir, embeddings=embedder, settings=settings))
        backend = f"LLM: openai {llm.model}"
        assert [c for c in app.config["components"] if c["props"].get("elem_id") == "backend"][0]["props"]["choices"] == [
            (EXTRACTIVE, EXTRACTIVE), (backend, backend)]
        earlier = [{"role": "user", "content": "Where is Ningxia?"}, {"role": "assistant", "content": "In China [1]."}]
        updates = replies(handlers(app)["respond"], "How many troops are taking part?", earlier, backend=backend)
        served = build_app(Assistant.load(demo_index_dir, embeddings=embedder, settings=settings), show_paths=False)
        served_preview = replies(handlers(served)["respond"], "How many troops are taking part?", backend=backend)[0]
        extractive = replies(handlers(app)["respond"], "How many troops are taking part?")  # the LLM not chosen
        requests = len(llm.requests)
    finally:
        llm.close()
    assert "· zapad" not in served_preview[3] and ".txt" not in served_preview[3]  # a served UI names no files
    assert ".txt</div>" in updates[0][3]
    assert requests == 2 and len(extractive) == 2 and extractive[0][1][-1]["content"] != "…"  # quotes, in two updates
    preview, *drafts, checked = updates
    assert preview[0] == "" and preview[1][:2] == earlier and preview[1][3] == {"role": "assistant", "content": "…"}
    assert preview[2] == [] and all(len(update[1]) == 4 and update[1][:2] == earlier for update in updates)
    assert preview[3].startswith("<details class='src-turn' open><summary>Q1: How many troops are taking part? "
                                 "(retrieved passages)</summary><div class='src-card' id='src-1-p1'>")
    assert "plain-answer" not in preview[3]  # the preview has no answer to copy yet
    assert all(d[0] == SKIP and d[2] == [] and d[3] == SKIP for d in drafts) and len(drafts) > 5
    assert drafts[-1][1][3] == {"role": "assistant", "content": (
        "More than 10,000 troops are taking part &#91;1&#93;. The drills will last for three months &#91;1&#93;.")}
    assert checked[0] == SKIP
    assert checked[1][3]["role"] == "assistant"
    text = checked[1][3]["content"]
    assert text.startswith("More than 10,000 troops are taking part") and "three months" not in text
    assert "<a href='#src-1-1'>[1]</a>" in text and checked[3] == checked[2][0]


def test_the_timeline_tab_renders_events_and_errors(news: Assistant) -> None:
    from ui.app import build_app

    timeline = handlers(build_app(news))["timeline"]
    shown = timeline("carmaker recall", " 2026-01-01", None, "", False)
    assert shown.startswith("<p class='refusal-note'>Time scope: “since 2026-01-01” → published 2026-01-01 to …</p>"
                            "<div class='src-card' id='event-1'><div class='src-head'>2026-11-19 [1] Carmaker recalls "
                            "300,000 SUVs over brake fault</div>")
    assert shown.count("class='src-card'") == 1
    until = timeline("carmaker recall", "", "2023-12-31", "", False)
    assert until.count("2023-03-14 [1] Carmaker recalls 1.2 million") == 1 and "2026-11-19" not in until
    assert "2026-11-19" not in timeline("carmaker recall", "", "", "2024-01-01", False)
    assert timeline(None, "", "", "", False).startswith("<p>⚠️ the question is empty")
    assert timeline("recall", "soon", "", "", False) == (
        "<p>⚠️ since &#x27;soon&#x27; is not a date: use YYYY-MM-DD, e.g. 2021-08-01</p>")
    assert timeline("recall", 2026, "", "", False) == (  # not text: one line, never a traceback
        "<p>⚠️ Something went wrong (AttributeError: &#x27;int&#x27; object has no attribute &#x27;strip&#x27;).</p>")


def test_the_timeline_keeps_undated_articles_only_when_the_box_is_ticked(make_assistant: Any, tmp_path: Path) -> None:
    from ui.app import build_app

    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "drill.txt").write_text("Drill begins\n\nThe drill began on 9 August 2021 in Ningxia.")  # undated
    assistant = make_assistant()
    assistant.index([tmp_path / "news"])
    timeline = handlers(build_app(assistant))["timeline"]
    assert "No dated events" in timeline("drill", "2021-01-01", "", "", False)
    assert "2021-08-09 [1] Drill begins" in timeline("drill", "2021-01-01", "", "", True)


def test_uploads_are_added_reported_and_their_gradio_copies_dropped(
    make_assistant: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.app import build_app

    gradio_tmp = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(gradio_tmp))
    assistant = make_assistant()
    (tmp_path / "seed").mkdir()
    (tmp_path / "seed" / "fair.txt").write_text("Fair opens\nPublished: 2024-05-01\nThe town fair opened on Friday.")
    assistant.index([tmp_path / "seed"])  # the app is built around an index
    app = build_app(assistant, upload_dir=tmp_path / "kept")
    upload = handlers(app)["upload"]
    (gradio_tmp / "a1").mkdir(parents=True)
    article = gradio_tmp / "a1" / "harbour.txt"
    article.write_text(HARBOUR)
    mine = tmp_path / "mine.md"  # not in Gradio's folder: never deleted
    mine.write_text("# Bridge closes\n\nThe old bridge closed for repairs on Monday.\n")
    photo = gradio_tmp / "a0" / "photo.png"  # Gradio keeps each upload in a folder of its own
    photo.parent.mkdir()
    photo.write_bytes(b"\x89PNG\r\n\x1a\n")

    status, summary, box, heading = upload([str(article), SimpleNamespace(name=str(mine)), str(photo)])
    assert status == ("**Added** 2 document(s): harbour, mine. They are searchable now.\n\n"
                      "**Rejected** photo.png: unsupported type .png; use .txt, .md, .markdown, .html, .htm, .pdf, "
                      ".json, .jsonl, .csv")
    assert box is None and summary.startswith("**3 documents · 3 chunks**")
    assert heading.startswith(f"## Ask the articles\nIndex **{assistant.index_dir.name}**: 3 articles, newest 2024-05-01. ")
    assert not article.exists() and not (gradio_tmp / "a1").exists() and not photo.parent.exists() and mine.exists()
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["harbour.txt", "mine.md"]

    again = gradio_tmp / "a2" / "harbour.txt"
    again.parent.mkdir()
    again.write_text(HARBOUR)
    status, *_ = upload([str(again)])
    assert status == "harbour.txt: already indexed (the same file was uploaded before); not added again"
    assert upload([]) == ("No file chosen.", summary, None, heading) and upload(None)[0] == "No file chosen."
    served_upload = handlers(build_app(assistant, show_paths=False, upload_dir=tmp_path / "kept"))["upload"]
    served_summary = served_upload(None)[1]
    assert f"\nindex `{assistant.index_dir.name}` (" in served_summary and str(tmp_path) not in served_summary
    undated = tmp_path / "undated.md"
    undated.write_text("---\npublished: someday\n---\nCrane arrives\n\nThe new crane arrived at the port.\n")
    status, summary, *_ = served_upload([str(undated)])
    assert status == ("**Added** 1 document(s): undated. They are searchable now.\n\n**Warning** undated.md: published "
                      '"someday" is not a date (give a real day, e.g. published: 2024-05-01); indexed without a date')
    assert f"\nindex `{assistant.index_dir.name}` (" in summary and str(tmp_path) not in summary
    for name, shows_paths in (("served.md", False), ("local.md", True)):  # a warning naming a server folder
        odd = tmp_path / name
        odd.write_text(f"---\npublished: /usr/share/doc\n---\nCrane leaves\n\nThe crane left the port on {name}.\n")
        status = handlers(build_app(assistant, show_paths=shows_paths, upload_dir=tmp_path / "kept"))["upload"]([str(odd)])[0]
        shown = "/usr/share/doc" if shows_paths else "doc"  # /usr/share/ is a folder of this machine
        assert status.endswith(f'**Warning** {name}: published "{shown}" is not a date (give a real day, e.g. '
                               "published: 2024-05-01); indexed without a date")
    reported: list[tuple[float, str]] = []
    fresh = tmp_path / "fresh.txt"
    fresh.write_text("Market opens\nPublished: 2024-05-03\nThe new market opened on Sunday.")
    upload([str(fresh)], lambda share, desc: reported.append((share, desc)))
    assert reported == [(0.2, "Indexing 1 file(s)"), (1.0, "Done")]
    default_place = handlers(build_app(assistant))["upload"]  # no upload_dir: <index>/uploads
    other = tmp_path / "other.txt"
    other.write_text("Ferry resumes\nPublished: 2024-05-02\nThe ferry resumed service on Saturday.")
    assert default_place([str(other)])[0].startswith("**Added** 1 document(s): other.")
    assert (assistant.index_dir / "uploads" / "other.txt").read_text() == other.read_text()
    many = [str(mine)] * 101
    assert upload(many)[0] == "**Rejected** 101 files in one upload: send at most 100 at a time"


_LONG_FAILURE = " ".join(f"step{i} failed" for i in range(40))


class _FailingText(str):
    """A text whose stripping fails with a long message: an unexpected error deep in a handler."""

    def strip(self, chars: str | None = None) -> str:
        raise ValueError(_LONG_FAILURE)


def test_add_feed_reports_what_it_added_and_refuses_in_one_line(make_assistant: Any) -> None:
    from tests.helpers import NewsSite, article_page
    from ui.app import build_app

    site = NewsSite()
    site.route("/news/ferry", article_page("Electric ferry carries 2,400 in first week", [
        "The new electric ferry on Lake Orvan carried 2,400 passengers in its first week of service, the operator "
        "said on Monday."], date="2026-05-04", site="Lake Courier"))
    try:
        assistant = make_assistant()
        seed = assistant.index_dir.parent / "seed"
        seed.mkdir()
        (seed / "fair.txt").write_text("Fair opens\nPublished: 2024-05-01\nThe town fair opened on Friday.")
        assistant.index([seed])  # the app is built around an index
        limits = FetchLimits(allow_hosts=frozenset({"127.0.0.1"}), min_interval_s=0.0, timeout_s=5)
        add_feed = handlers(build_app(assistant, fetch_limits=limits))["add_feed"]
        reported: list[tuple[float, str]] = []
        status, summary, watched, heading, box = add_feed(f"{site.url}/news/ferry", lambda share, desc: reported.append((share, desc)))
        assert reported == [(0.1, "Fetching and indexing"), (1.0, "Done")]
        shown_url = site.url.replace("http://", "http&#58;//")  # inert: shown, never a link
        assert status == f"**Added** 1 article(s) from {shown_url}/news/ferry; searchable now."
        assert summary.startswith("**2 documents · 2 chunks**") and box == ""
        assert watched.startswith("**Feeds and URLs** (`rag watch` on this index polls the watched ones)\n\n"
                                  f"- {shown_url}/news/ferry · article · checked ")
        assert heading.startswith(f"## Ask the articles\nIndex **{assistant.index_dir.name}**: 2 articles, newest 2026-05-04.")
        status, *_, box = add_feed(f"{site.url}/news/ferry")
        assert status == f"Nothing new at {shown_url}/news/ferry: its 1 article(s) are indexed already."
        assert box == SKIP
        assert f"\nindex `{assistant.index_dir}` (" in summary  # rag ui: the full path
        status, summary, watched, heading, box = add_feed("ftp://example.com/feed")
        assert status == ("**Failed** not a web address: 'ftp&#58;//example.com/feed'; give a feed or article URL "
                          "starting with http&#58;// or https&#58;//")
        assert box == SKIP and f"\nindex `{assistant.index_dir}` (" in summary and watched.startswith("**Feeds and URLs** (")
        assert heading.startswith(f"## Ask the articles\nIndex **{assistant.index_dir.name}**: 2 articles")
        status, summary, watched, heading, box = add_feed(2026)  # not text: one line, never a traceback
        assert status == "**Failed** something went wrong (AttributeError: 'int' object has no attribute 'strip')"
        assert box == SKIP and f"\nindex `{assistant.index_dir}` (" in summary and watched.startswith("**Feeds and URLs** (")
        status = add_feed(_FailingText("https://example.com/feed"))[0]  # a long unexpected error: its first 200 characters
        assert status == f"**Failed** something went wrong (ValueError: {_LONG_FAILURE[:200]})"
        assert heading.startswith(f"## Ask the articles\nIndex **{assistant.index_dir.name}**: 2 articles")
        # A served UI names the index folder and a watched list file by name alone, whatever the outcome.
        registry = assistant.index_dir / "sources.json"
        watched_sources = json.loads(registry.read_text(encoding="utf-8"))
        watched_sources["sources"]["file:/srv/lists/urls.txt"] = {"watch": True}
        registry.write_text(json.dumps(watched_sources), encoding="utf-8")
        served = build_app(assistant, show_paths=False, fetch_limits=limits)
        served_add = handlers(served)["add_feed"]
        for value in (f"{site.url}/news/ferry", "ftp://example.com/feed", 2026):
            _, summary, watched, *_ = served_add(value)
            assert f"\nindex `{assistant.index_dir.name}` (" in summary and str(assistant.index_dir.parent) not in summary
            assert "\n- file urls.txt · " in watched and "/srv/lists" not in watched
        for watched in (handlers(served)["refresh_index"]()[1], _component(served, "watched-panel").value):
            assert "\n- file urls.txt · " in watched and "/srv/lists" not in watched
        local = build_app(assistant, fetch_limits=limits)  # rag ui: the whole path, in every redraw
        local_add = handlers(local)["add_feed"]
        for watched in (handlers(local)["refresh_index"]()[1], _component(local, "watched-panel").value,
                        *(local_add(value)[2] for value in (f"{site.url}/news/ferry", "ftp://example.com/feed", 2026))):
            assert "\n- file /srv/lists/urls.txt · " in watched
        # A refusal naming a folder of this machine: by name when served, whole in rag ui.
        assert served_add("/usr/share/doc/feed.xml")[0].startswith("**Failed** not a web address: 'feed.xml'")
        assert local_add("/usr/share/doc/feed.xml")[0].startswith("**Failed** not a web address: '/usr/share/doc/feed.xml'")
        # Without --allow-host, the fetcher refuses loopback: one line, nothing added.
        refused = handlers(build_app(assistant))["add_feed"](f"{site.url}/news/other")
        assert refused[0].startswith(f"**Failed** {shown_url}/news/other: ") and refused[4] == SKIP
    finally:
        site.close()


def test_restore_clear_save_and_refresh_keep_the_conversation(demo_app: Any, tiny: Assistant) -> None:
    from ui.app import _index_summary, render_watched

    fns = handlers(demo_app)
    history = [{"role": "user", "content": "q?"}]
    cards = ["<details>one</details>", "<details>two</details>"]
    assert fns["save"](history, cards) == {"chat": history, "sources": cards}
    assert fns["restore"]({"chat": history, "sources": [*cards, 3, None]}) == (history, cards, cards[0] + cards[1])
    assert fns["restore"](None) == ([], [], NO_SOURCES) and fns["restore"]("junk") == ([], [], NO_SOURCES)
    assert fns["restore"]({"chat": None, "sources": None}) == ([], [], NO_SOURCES)
    assert fns["clear"]() == ([], [], NO_SOURCES, {"chat": [], "sources": []}, "")
    summary, watched = fns["refresh_index"]()
    assert summary == _index_summary(tiny) and summary.startswith("**1 documents · 1 chunks** · ")
    assert f"\nindex `{tiny.index_dir}` (" in summary  # rag ui: the full path
    assert watched == render_watched(tiny)


def component_names(app: Any) -> dict[int, str]:
    """Each component's id by a readable name: its elem_id, else its label, else its type."""
    names = {app.config["layout"]["id"]: "app"}
    for c in app.config["components"]:
        props = c["props"]
        names[c["id"]] = props.get("elem_id") or props.get("label") or c["type"]
        if "example" in props.get("elem_classes", []):
            names[c["id"]] = f"example: {props['value']}"
    return names


def events(app: Any) -> list[tuple[str, str, list[str], list[str], str | None, str | None]]:
    """Each event: trigger, function, inputs, outputs, public API name (None: private), the event it follows."""
    names = component_names(app)
    found = []
    by_id = {d["id"]: d for d in app.config["dependencies"]}

    def trigger(dependency: dict[str, Any]) -> str:
        (target, event), = dependency["targets"]
        return "then" if target is None else f"{names[target]}.{event}"

    for d, fn in zip(app.config["dependencies"], app.fns.values()):
        found.append((
            trigger(d), fn.name or ("js" if d["js"] else "none"),
            [names[i] for i in d["inputs"]], [names[i] for i in d["outputs"]],
            d["api_name"] if d["api_visibility"] == "public" else None,
            None if d["trigger_after"] is None else trigger(by_id[d["trigger_after"]]),
        ))
    return found


CHAT_IN = ["question", "chat", "Passages per question (top-k)", "backend", "reader", "since", "until", "as-of",
           "include-undated", "state"]
CHAT_OUT = ["question", "chat", "state", "sources"]


def test_the_apps_events_and_the_api_it_makes_public(demo_app: Any, tiny: Assistant) -> None:
    from ui.app import COPY_JS, example_questions

    news_app = demo_app
    examples = example_questions(tiny.documents())
    assert examples == ["What happened: Harbour reopens after storm?", "What's the latest?"]
    expected = [("question.submit", "respond", CHAT_IN, CHAT_OUT, "chat", None),
                ("then", "save", ["chat", "state"], ["browserstate"], None, "question.submit"),
                ("ask.click", "respond", CHAT_IN, CHAT_OUT, None, None),
                ("then", "save", ["chat", "state"], ["browserstate"], None, "ask.click")]
    for text in examples:
        expected += [(f"example: {text}.click", "<lambda>", [], ["question"], None, None),
                     ("then", "respond", CHAT_IN, CHAT_OUT, None, f"example: {text}.click"),
                     ("then", "save", ["chat", "state"], ["browserstate"], None, "then")]
    cleared = ["chat", "state", "sources", "browserstate", "question"]
    expected += [("app.load", "restore", ["browserstate"], ["chat", "state", "sources"], None, None),
                 ("clear.click", "clear", [], cleared, None, None),
                 ("chat.clear", "clear", [], cleared, None, None),
                 ("copy.click", "js", [], [], None, None),
                 ("Index.expand", "refresh_index", [], ["index-panel", "watched-panel"], None, None),
                 ("upload.upload", "upload", ["upload"], ["upload-status", "index-panel", "upload", "first-screen"],
                  "upload", None),
                 ("add-feed.click", "add_feed", ["feed-url"],
                  ["feed-status", "index-panel", "watched-panel", "first-screen", "feed-url"], "add_feed", None),
                 ("feed-url.submit", "add_feed", ["feed-url"],
                  ["feed-status", "index-panel", "watched-panel", "first-screen", "feed-url"], None, None),
                 ("timeline-query.submit", "timeline", ["timeline-query", "since", "until", "as-of", "include-undated"],
                  ["timeline"], "timeline", None),
                 ("timeline-button.click", "timeline", ["timeline-query", "since", "until", "as-of", "include-undated"],
                  ["timeline"], None, None)]
    assert events(news_app) == expected
    (copy_event,) = [d for d in news_app.config["dependencies"] if d["js"]]
    assert copy_event["js"] == COPY_JS and copy_event["backend_fn"] is False
    clicks = [fn.fn for fn in news_app.fns.values() if fn.name == "<lambda>"]
    assert [click() for click in clicks] == examples  # each example button fills the question box with its own text


def test_read_only_has_no_upload_or_add_feed_and_a_served_ui_hides_paths(news: Assistant) -> None:
    from ui.app import build_app

    app = build_app(news, read_only=True, show_paths=False, delete_cache=(60, 120))
    public = {d["api_name"] for d in app.config["dependencies"] if d["api_visibility"] == "public"}
    assert public == {"chat", "timeline"} and app.delete_cache == (60, 120)
    names = set(component_names(app).values())
    assert {"feed-url", "add-feed", "feed-status"}.isdisjoint(names)
    (accordion,) = [c for c in app.config["components"] if c["props"].get("label") == "Add articles"]
    assert accordion["props"]["visible"] is False
    (panel,) = [c for c in app.config["components"] if c["props"].get("elem_id") == "index-panel"]
    assert f"index `{news.index_dir.name}` (" in panel["props"]["value"] and str(news.index_dir.parent) not in panel["props"]["value"]
    summary, _ = handlers(app)["refresh_index"]()
    assert f"\nindex `{news.index_dir.name}` (" in summary and str(news.index_dir.parent) not in summary
    respond = handlers(app)["respond"]
    *_, (_, _, sources, _) = replies(respond, "How many vehicles were recalled?", since="2026-01-01")
    assert "Motor News, 2026-11-24</div>" in sources[0] and "recall-2026.md" not in sources[0]


def props_of(app: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each named component's type and props (only the props a test names are compared)."""
    names = component_names(app)
    return {names[c["id"]]: (c["type"], c["props"]) for c in app.config["components"]}


LAYOUT = {
    "first-screen": ("markdown", {}),
    "Chat": ("tabitem", {}),
    "chat": ("chatbot", {"label": "Chat", "height": 520, "sanitize_html": True, "buttons": []}),
    "question": ("textbox", {"placeholder": "Ask a question about these articles", "show_label": False, "scale": 5,
                             "lines": 1, "max_lines": 3}),
    "ask": ("button", {"value": "Ask", "variant": "primary", "scale": 1}),
    "copy": ("button", {"value": "Copy answer", "size": "sm"}),
    "clear": ("button", {"value": "Clear conversation", "size": "sm"}),
    "sources": ("html", {"value": "<p>Sources of each answer appear here.</p>", "max_height": 600}),
    "Add articles": ("accordion", {"open": False, "visible": True}),
    "upload": ("file", {"label": "Upload .txt, .md, .html, .pdf, .json or .csv (max 20 MB each; indexing takes about 10 s "
                                 "per MB)", "file_count": "multiple"}),
    "upload-status": ("markdown", {}),
    "Index": ("accordion", {"open": False}),
    "index-panel": ("markdown", {}),
    "watched-panel": ("markdown", {"value": "**Feeds and URLs**: none yet (`rag index URL`, `rag watch URL` or Add "
                                            "feed URL add them)."}),
    "feed-url": ("textbox", {"label": "Feed or article URL", "placeholder": "https://example.com/feed.xml",
                             "show_label": False, "scale": 4, "max_lines": 1}),
    "add-feed": ("button", {"value": "Add feed URL", "scale": 1}),
    "feed-status": ("markdown", {}),
    "Dates": ("accordion", {"open": False}),
    "since": ("textbox", {"value": "", "label": "Published since (YYYY-MM-DD)", "max_lines": 1}),
    "until": ("textbox", {"value": "", "label": "Published until (YYYY-MM-DD)", "max_lines": 1}),
    "as-of": ("textbox", {"value": "", "label": "As of (answer as on that date)", "max_lines": 1}),
    "include-undated": ("checkbox", {"value": False, "label": "Keep articles of unknown date"}),
    "Settings": ("accordion", {"open": False}),
    "Passages per question (top-k)": ("slider", {"minimum": 1, "maximum": 10, "value": 5, "step": 1}),
    "backend": ("radio", {"choices": [(EXTRACTIVE, EXTRACTIVE)], "value": EXTRACTIVE, "label": "Answering backend"}),
    "reader": ("radio", {"choices": [(k, k) for k in ("Model (reads each candidate; short answers)",
                                                      "Large (the 12-layer reader: slower)", FAST_READER)],
                         "value": "Model (reads each candidate; short answers)", "label": "Reader"}),
    "Timeline": ("tabitem", {}),
    "timeline-query": ("textbox", {"placeholder": "e.g. Zapad/Interaction 2021 drill", "show_label": False, "scale": 5,
                                   "max_lines": 1}),
    "timeline-button": ("button", {"value": "Build timeline", "variant": "primary", "scale": 1}),
    "timeline": ("html", {}),
    "browserstate": ("browserstate", {"default_value": {"chat": [], "sources": []}, "storage_key": "rag-news-conversation"}),
}


def test_the_layout_names_each_control_and_what_it_holds(demo_app: Any, tiny: Assistant) -> None:
    from ui.app import _first_screen, _index_summary, example_questions

    news, news_app = tiny, demo_app
    assert _first_screen(tiny) == (  # no dated article: no "newest"
        f"## Ask the articles\nIndex **{tiny.index_dir.name}**: 1 articles. Every statement cites the sentences it comes "
        "from; click a **[n]** to see its source.")
    shown = props_of(news_app)
    for name, (kind, props) in LAYOUT.items():
        assert shown[name][0] == kind, name
        for key, value in props.items():
            assert shown[name][1].get(key) == value, (name, key, shown[name][1].get(key))
    assert shown["first-screen"][1]["value"] == _first_screen(news)
    assert shown["index-panel"][1]["value"] == _index_summary(news)
    examples = [name for name in shown if name.startswith("example: ")]
    assert examples == [f"example: {q}" for q in example_questions(news.documents())]
    assert all(shown[name][1]["size"] == "sm" for name in examples)
    assert news_app.title == "News Q&A with citations" and news_app.analytics_enabled is False
    markdown = [c["props"].get("value") for c in news_app.config["components"] if c["type"] == "markdown"]
    assert "### Sources" in markdown
    assert ("Extractive answers quote the articles and need no LLM. An LLM backend is configured at start: "
            "`rag ui --llm openai --base-url URL --model NAME` (or `ollama`, `llamacpp --model FILE.gguf`).") in markdown
    assert ("The dated events of the articles a query finds, oldest first; each cites its sentence. The date range of "
            "the Chat tab's **Dates** applies.") in markdown
    from ui.app import UPLOAD_CACHE

    assert news_app.delete_cache == UPLOAD_CACHE == (300, 900)
    # The chat (3 parts) beside the sources (2 parts), each at least 300 px wide, the sources column as tall as it needs.
    columns = [c["props"] for c in news_app.config["components"] if c["type"] == "column"]
    assert [(c["scale"], c["min_width"]) for c in columns] == [(3, 300), (2, 300)]
    first_row = next(c["props"] for c in news_app.config["components"] if c["type"] == "row")
    assert first_row["equal_height"] is False


def test_the_app_sends_no_analytics_even_without_the_variable(tiny: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.app import build_app

    monkeypatch.delenv("GRADIO_ANALYTICS_ENABLED", raising=False)
    assert build_app(tiny).analytics_enabled is False


def test_render_answer_links_only_cited_markers_and_adds_its_notes() -> None:
    from rag import REFUSAL_TEXT, Answer, Citation, Disagreement, TimeScope
    from ui.app import render_answer

    cited = Citation(2, "a", "T", "a.txt", 0, 5, "Quote")
    answer = Answer("q?", "It was *big* [2] and [3], [22].", False, (cited,), short_answer="40,000 [1]",
                    time_scope=TimeScope("latest", prefer="newest"),
                    disagreements=(Disagreement("number", ("40,000", "<b>52,000</b>"), (2, 3)),))
    assert render_answer(answer, 7) == (
        "**40,000 &#91;1&#93;**\n\nIt was &#42;big&#42; <a href='#src-7-2'>[2]</a> and &#91;3&#93;, &#91;22&#93;.\n\n"
        "<span class='refusal-note'>Time scope: “latest” → newest article first</span><br>"
        "<span class='refusal-note'>Sources differ (number): 40,000 &#91;2&#93; vs &#60;b&#62;52,000&#60;/b&#62; "
        "&#91;3&#93;</span>")
    plain = Answer("q?", "[2] First. Then [2]", False, (cited,))
    assert render_answer(plain, 1) == "<a href='#src-1-2'>[2]</a> First. Then <a href='#src-1-2'>[2]</a>"
    assert render_answer(Answer("q?", REFUSAL_TEXT, True), 1) == (
        f"**{REFUSAL_TEXT}**\n\n<span class='refusal-note'>Nothing in the indexed articles is strong enough evidence. "
        "The closest passages are listed under Sources.</span>")
    assert render_answer(Answer("q?", "No article from *2030*.", True), 1) == "**No article from &#42;2030&#42;.**"


def test_a_source_card_shows_the_quote_in_its_sentence_and_folds_the_rest() -> None:
    from rag import Answer, Citation, Copy, MentionedDate, Passage
    from ui.app import render_sources

    text = "Storm hits\n\nThe storm came on Monday. It hit the coast at noon. Roads closed."
    lo = text.index("It hit")
    hi = lo + len("It hit the coast at noon.")
    passage = Passage(1, "storm", "Storm hits", "/news/storm.txt", 100, 100 + len(text), text, 0.9)
    dates = (MentionedDate(0, 6, "Monday", "2024-08-12", "relative"), MentionedDate(0, 4, "2024", "2024", "explicit"),
             MentionedDate(7, 12, "noon", "2024-08-12", "relative"))
    copies = (Copy("wire", "Storm hits", "wire.txt", "Wire", "2024-08-13"), Copy("post", "Storm", "post.txt", "Post"))
    citation = Citation(3, "storm", "Storm hits", "/news/storm.txt", 100 + lo, 100 + hi, text[lo:hi], 0.8,
                        published="2024-08-12", outlet="Daily", also_published=copies, dates=dates,
                        url="https://daily.example/storm")
    answer = Answer("When?", "At noon. [3]", False, (citation,), (passage,))
    assert render_sources(answer, 2) == (
        "<details class='src-turn' open><summary>Q2: When?</summary>"
        "<pre class='plain-answer'>At noon. [3]\n\nSources:\n[3] Storm hits (Daily, 2024-08-12): “It hit the coast at "
        "noon.”</pre>"
        "<div class='src-card' id='src-2-3'><div class='src-head'>[3] <a class=\"src-link\" "
        "href=\"https://daily.example/storm\" rel=\"noopener noreferrer\" target=\"_blank\">Storm hits</a></div>"
        "<div class='src-meta'>Daily, 2024-08-12 · storm.txt</div>"
        "<div class='src-body'>The storm came on Monday. <mark>It hit the coast at noon.</mark></div>"
        "<details class='src-more'><summary>More</summary><p>Storm hits\n\nThe storm came on Monday. <mark>It hit the "
        "coast at noon.</mark> Roads closed.</p><p class='src-meta'>characters "
        f"{100 + lo}–{100 + hi}<br>dates: Monday → 2024-08-12, noon → 2024-08-12<br>also published by: Wire, 2024-08-13; "
        "Post</p></details></div>"
        "</details>")
    # The first sentence after the headline: the sentence after it is the context, the headline is not.
    first = text.index("The storm")
    opening = replace(citation, start=100 + first, end=100 + first + len("The storm came on Monday."),
                      quote="The storm came on Monday.", dates=(), also_published=(), url=None)
    card = render_sources(replace(answer, citations=(opening,)), 1, show_paths=False)
    assert "<div class='src-body'><mark>The storm came on Monday.</mark> It hit the coast at noon.</div>" in card
    assert "<div class='src-head'>[3] Storm hits</div><div class='src-meta'>Daily, 2024-08-12</div>" in card
    assert "<p class='src-meta'>characters 112–137</p>" in card  # 100 + 12 (the headline and a blank line), 25 long
    # A citation at the passage's very start or end is still in it; cards follow one another.
    closing = replace(opening, n=4, start=100 + len(text) - len("Roads closed."), end=100 + len(text), quote="Roads closed.")
    headline = replace(opening, n=5, start=100, end=110, quote="Storm hits")
    cards = render_sources(replace(answer, citations=(closing, headline)), 1)
    assert "<div class='src-body'>It hit the coast at noon. <mark>Roads closed.</mark></div>" in cards
    assert "<div class='src-body'><mark>Storm hits</mark> The storm came on Monday.</div>" in cards
    assert "</p></details></div><div class='src-card' id='src-1-5'>" in cards
    # A quote in the article's URL can't end the link's attribute.
    quoted = replace(citation, url='https://daily.example/a"onmouseover="alert(1)')
    assert 'href="https://daily.example/a&quot;onmouseover=&quot;alert(1)"' in render_sources(replace(answer, citations=(quoted,)), 1)
    # A citation outside every passage shows its quote alone.
    elsewhere = replace(opening, doc_id="other")
    card = render_sources(replace(answer, citations=(elsewhere,)), 1)
    assert "<div class='src-body'><mark>The storm came on Monday.</mark></div>" in card
    assert "<p><mark>The storm came on Monday.</mark></p>" in card


def test_in_context_takes_the_sentence_before_else_the_one_after() -> None:
    from ui.app import _in_context

    text = "Title line\nFirst one. Second one! Third one? Fourth."
    second = text.index("Second")
    assert _in_context(text, second, second + 11) == "First one. <mark>Second one!</mark>"
    third = text.index("Third")
    assert _in_context(text, third, third + 10) == "Second one! <mark>Third one?</mark>"
    first = text.index("First")
    assert _in_context(text, first, first + 10, "Title line") == "<mark>First one.</mark> Second one!"
    assert _in_context(text, first, first + 10, "Other") == "Title line <mark>First one.</mark>"
    assert _in_context(text, 0, 10) == "<mark>Title line</mark> First one."
    assert _in_context("Only <this>.", 0, 12) == "<mark>Only &lt;this&gt;.</mark>"
    assert _in_context("“Quoted.” Next", 10, 14) == "“Quoted.” <mark>Next</mark>"
    assert _in_context("Done… Next", 6, 10) == "Done… <mark>Next</mark>"


def test_closest_passages_of_a_refusal_are_three_or_five_with_a_heading() -> None:
    from rag import Answer, Passage
    from ui.app import render_sources

    passages = tuple(Passage(i, f"d{i}", f"Title <{i}>", f"/n/d{i}.txt", 0, 4, f"text {i} & more", 1 / i)
                     for i in range(1, 7))
    refused = Answer("Who <won>?", "The articles don't contain the answer to this question.", True, passages=passages)
    shown = render_sources(refused, 4)
    assert shown.startswith("<details class='src-turn' open><summary>Q4: Who &lt;won&gt;? (not answered; closest "
                            "passages)</summary><pre class='plain-answer'>The articles don&#x27;t contain the answer to "
                            "this question.</pre><div class='src-card' id='src-4-p1'><div class='src-head'>Title "
                            "&lt;1&gt;</div><div class='src-meta'>closest passage 1 · d1.txt</div><div class='src-body'>"
                            "text 1 &amp; more</div></div>")
    assert shown.count("class='src-card'") == 3 and "id='src-4-p3'" in shown
    preview = render_sources(refused, 4, heading="retrieved passages", show_paths=False)
    assert preview.startswith("<details class='src-turn' open><summary>Q4: Who &lt;won&gt;? (retrieved passages)"
                              "</summary><div class='src-card' id='src-4-p1'>")
    assert preview.count("class='src-card'") == 5 and "plain-answer" not in preview and ".txt" not in preview
    assert "<div class='src-meta'>closest passage 5</div>" in preview


def test_a_timeline_card_per_sentence_with_its_dates_and_how_they_were_found() -> None:
    from rag import Citation, TimeScope
    from rag._timeline import Timeline, TimelineEvent
    from ui.app import render_timeline

    quake = Citation(1, "quake", "Quake <toll>", "q.txt", 10, 60, "Monday's quake … said on Wednesday.", outlet="Herald",
                     published="2026-06-04", url="https://herald.example/q")
    recall = Citation(2, "recall", "Recall", "r.txt", 0, 20, "Recalled & fixed.")
    timeline = Timeline("quake", (
        TimelineEvent("2026-06-01", "relative", "Monday's", quake),
        TimelineEvent("2026-06-03", "relative", "on Wednesday", quake),
        TimelineEvent("2026-06-03", "relative", "on Wednesday", quake),
        TimelineEvent("2026-07-01", "published", None, recall),
    ), TimeScope("since June 2026", since="2026-06-01"))
    assert render_timeline(timeline) == (
        "<p class='refusal-note'>Time scope: “since June 2026” → published 2026-06-01 to …</p>"
        "<div class='src-card' id='event-1'><div class='src-head'>2026-06-01, 2026-06-03 [1] <a class=\"src-link\" "
        "href=\"https://herald.example/q\" rel=\"noopener noreferrer\" target=\"_blank\">Quake &lt;toll&gt;</a></div>"
        "<div class='src-meta'>Herald, 2026-06-04 · relative: “Monday&#x27;s”; relative: “on Wednesday”</div>"
        "<div class='src-body'><mark>Monday&#x27;s quake … said on Wednesday.</mark></div></div>"
        "<div class='src-card' id='event-2'><div class='src-head'>2026-07-01 [2] Recall</div>"
        "<div class='src-meta'>date unknown · publication date</div>"
        "<div class='src-body'><mark>Recalled &amp; fixed.</mark></div></div>")
    assert render_timeline(Timeline("x", ())) == "<p>No dated events found in the retrieved articles.</p>"
    assert render_timeline(Timeline("x", timeline.events[3:])).startswith("<div class='src-card' id='event-2'>")  # no scope


def test_example_questions_take_the_newest_headlines_once_each() -> None:
    from rag import SourceDocument
    from ui.app import example_questions

    def doc(i: str, title: str, published: str | None = None) -> SourceDocument:
        return SourceDocument(i, title, f"{i}.txt", "", "", published=published)

    long = "Council approves the new harbour bridge, the ferry timetable and the budget for next year; works start"
    docs = [doc("a", "Old news.", "2020-01-01"), doc("b", "Quake strikes!", "2026-06-02"), doc("c", "  ", "2027-01-01"),
            doc("d", "Quake strikes", "2026-06-03"), doc("e", "Undated:", None), doc("f", long, "2025-01-01")]
    assert example_questions(docs) == ["What happened: Quake strikes?",
                                       "What happened: Council approves the new harbour bridge, the ferry timetable "
                                       "and the…?",  # cut at 70 characters ("… and the b"), then at a word
                                       "What happened: Old news?", "What happened: Undated?", "What's the latest?"]
    assert example_questions(docs, n=1) == ["What happened: Quake strikes?", "What's the latest?"]
    assert example_questions([doc("g", "x" * 80)])[:-1] == [f"What happened: {'x' * 70}…?"]
    assert example_questions([doc("h", "Word " * 14 + "end")])[:-1] == ["What happened: " + ("Word " * 14).strip() + "…?"]
    assert example_questions([doc("i", "y" * 70)])[:-1] == [f"What happened: {'y' * 70}?"]
    assert example_questions([doc("j", "z" * 71)])[:-1] == [f"What happened: {'z' * 70}…?"]  # one over: cut
    cut_at_comma = "Harbour bridge and ferry plans approved by the council on Monday, afterwards the works begin"
    assert example_questions([doc("k", cut_at_comma)])[:-1] == [  # cut inside "afterwards": the comma before it dropped
        "What happened: Harbour bridge and ferry plans approved by the council on Monday…?"]
    assert example_questions([doc("l", "Rocket built by SpaceX")])[:-1] == ["What happened: Rocket built by SpaceX?"]
    spacex = "Regulators approved the next rocket launch by the firm built by SpaceX after reviews"
    assert example_questions([doc("m", spacex)])[:-1] == [  # only punctuation is dropped at a cut, never a letter
        "What happened: Regulators approved the next rocket launch by the firm built by SpaceX…?"]
    five = [doc(str(i), f"Headline {i}", f"2024-01-0{i}") for i in range(1, 7)]
    assert example_questions(five) == [*(f"What happened: Headline {i}?" for i in (6, 5, 4, 3)),  # four by default
                                       "What's the latest?"]


def test_the_index_summary_lists_fifty_articles_then_counts_the_rest(make_assistant: Any, tmp_path: Path) -> None:
    from ui.app import _first_screen, _index_summary

    folder = tmp_path / "many"
    folder.mkdir()
    assistant = make_assistant()
    for count in (50, 51, 52):  # exactly fifty: all listed; one more: counted
        for i in range(count):
            (folder / f"n{i:02d}.txt").write_text(f"Note *{i}*\nPublished: 2024-01-{i % 28 + 1:02d}\nThe note number {i}.")
        assistant.index([folder])
        tail = _index_summary(assistant).split("\n")[-1]
        assert tail == ("- Note &#42;49&#42; (n49)" if count == 50 else f"- … and {count - 50} more")
    summary = _index_summary(assistant)
    lines = summary.split("\n")
    assert lines[0] == "**52 documents · 52 chunks** · model `sentence-transformers/all-MiniLM-L6-v2 (onnx-int8)`"
    kib = round(assistant.info()["size_bytes"] / 1024)
    assert lines[1] == f"index `{assistant.index_dir}` ({kib} KiB)" and lines[2] == ""
    assert lines[3] == "- Note &#42;0&#42; (n00)" and lines[52] == "- Note &#42;49&#42; (n49)"
    assert lines[53:] == ["- … and 2 more"]
    assert f"index `{assistant.index_dir.name}` (" in _index_summary(assistant, show_paths=False)
    assert _first_screen(assistant) == (
        f"## Ask the articles\nIndex **{assistant.index_dir.name}**: 52 articles, newest 2024-01-28. Every statement "
        "cites the sentences it comes from; click a **[n]** to see its source.")


def test_the_feeds_panel_lists_each_source_with_its_last_poll(tmp_path: Path) -> None:
    import json

    from ui.app import render_watched

    index = tmp_path / "index"
    index.mkdir()
    sources = {f"https://site{i:02d}.example/feed.xml": {"kind": "feed", "checked": "2026-12-01T08:00:00+00:00"}
               for i in range(51)}
    sources["https://a.example/feed.xml?key=s3cret"] = {"kind": "feed", "watch": True, "checked": "2026-12-02T21:40:00+00:00",
                                                        "added": 2, "unchanged": 3, "failed": 1,
                                                        "error": "HTTP 500 at /srv/rag/index for api_key=s3cret"}
    sources["file:/srv/lists/urls.txt"] = {"watch": True}
    (index / "sources.json").write_text(json.dumps({"version": 1, "sources": sources}), encoding="utf-8")
    lines = render_watched(Assistant(index)).split("\n")
    assert lines[:2] == ["**Feeds and URLs** (`rag watch` on this index polls the watched ones)", ""]
    # Watched ones first, then by URL; the key masked, the markdown inert.
    assert lines[2] == "- file /srv/lists/urls.txt · watched not read yet · checked never · 0 added, 0 updated, 0 unchanged, 0 failed"
    assert lines[3] == ("- https&#58;//a.example/feed.xml?key=&#42;&#42;&#42; · watched feed · checked 2026-12-02 21:40:00 UTC · "
                        "2 added, 0 updated, 3 unchanged, 1 failed · ⚠️ HTTP 500 at /srv/rag/index for api&#95;key=&#42;&#42;&#42;")
    assert len(lines) == 2 + 50 + 1 and lines[-1] == "- … and 3 more"
    served = render_watched(Assistant(index), show_paths=False).split("\n")
    assert served[2].startswith("- file urls.txt · ")
    fifty = tmp_path / "fifty"
    fifty.mkdir()
    (fifty / "sources.json").write_text(json.dumps({"version": 1, "sources": dict(list(sources.items())[:50])}))
    assert len(render_watched(Assistant(fifty)).split("\n")) == 2 + 50  # fifty: all listed, no "… and 0 more"
    fifty_one = tmp_path / "fifty-one"
    fifty_one.mkdir()
    (fifty_one / "sources.json").write_text(json.dumps({"version": 1, "sources": dict(list(sources.items())[:51])}))
    assert render_watched(Assistant(fifty_one)).split("\n")[-1] == "- … and 1 more"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert render_watched(Assistant(empty)) == (
        "**Feeds and URLs**: none yet (`rag index URL`, `rag watch URL` or Add feed URL add them).")


def test_a_feed_report_says_what_was_added_failed_warned_and_noted() -> None:
    from ui.app import render_feed_report
    from ui.feeds import FeedReport

    added = FeedReport("https://a.example/feed.xml", added=("x", "y"), watched=True, failed=("u1:  not\nfound",),
                       warnings=("cut  to 50",), notes=("the  sample\narticles made way",))
    assert render_feed_report(added) == (
        "**Added** 2 article(s) from https&#58;//a.example/feed.xml; searchable now. Watched: `rag watch` on this "
        "index polls it.\n\n**Failed** u1: not found\n\n**Warning** cut to 50\n\nthe sample articles made way")
    assert render_feed_report(FeedReport("https://b.example/a", added=("z",))) == (
        "**Added** 1 article(s) from https&#58;//b.example/a; searchable now.")
    assert render_feed_report(FeedReport("https://b.example/a", unchanged=4)) == (
        "Nothing new at https&#58;//b.example/a: its 4 article(s) are indexed already.")
    assert render_feed_report(FeedReport("https://b.example/a", failed=("https://b.example/a: HTTP 404",))) == (
        "**Failed** https&#58;//b.example/a: HTTP 404")


def test_the_ui_words_the_undated_advice_for_its_checkbox() -> None:
    from rag import Answer
    from ui.app import _ui_worded

    refusal = Answer("q?", "No article since 2030; 2 have no date: include them with --include-undated "
                           "(include_undated=True).", True)
    assert _ui_worded(refusal).text == ("No article since 2030; 2 have no date: tick “Keep articles of unknown date” "
                                        "under Dates to include them.")
    other = Answer("q?", "Nothing about --include-undated here.", True)
    assert _ui_worded(other) is other


def test_app_options_style_the_page_and_allow_gradios_temp_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ui.app import CSS, HEAD, app_options, launch_options

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "g"))
    options = app_options(2)
    theme = options.pop("theme")
    assert options == {"css": CSS, "head": HEAD, "ssr_mode": False, "max_file_size": 2 * 1024 * 1024,
                       "allowed_paths": [str((tmp_path / "g").resolve())]}
    assert str(theme.font) == "ui-sans-serif, system-ui, sans-serif" and str(theme.font_mono) == "ui-monospace, monospace"
    assert launch_options(2)["quiet"] is True and launch_options(2)["max_file_size"] == 2 * 1024 * 1024
    monkeypatch.delenv("GRADIO_TEMP_DIR")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert app_options()["allowed_paths"] == [str((tmp_path / "gradio").resolve())]


def test_own_temp_dir_keeps_a_named_folder_and_empties_old_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.app import own_temp_dir

    named = tmp_path / "named"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(named))
    assert own_temp_dir() == named.resolve() and not named.exists()  # $GRADIO_TEMP_DIR's folder is left as it is
    monkeypatch.delenv("GRADIO_TEMP_DIR")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / "rag-news-gradio"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "b" / "old.txt").write_text("old")
    (folder / "recent.txt").write_text("recent")
    (folder / "link").symlink_to(folder / "recent.txt")
    for path in (folder / "a" / "b" / "old.txt", folder / "recent.txt"):
        os.utime(path, (time.time() - 1000, time.time() - 1000))
    os.utime(folder / "link", (time.time() - 1000, time.time() - 1000), follow_symlinks=False)
    assert own_temp_dir(max_age_s=2000) == folder.resolve()
    assert (folder / "recent.txt").exists() and (folder / "link").is_symlink() and (folder / "a" / "b" / "old.txt").exists()
    monkeypatch.delenv("GRADIO_TEMP_DIR")  # set by the call above: a folder so named is left alone
    assert own_temp_dir(max_age_s=500) == folder.resolve()
    assert sorted(p.name for p in folder.iterdir()) == []  # files, the link, then the emptied folders
    monkeypatch.delenv("GRADIO_TEMP_DIR")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "fresh"))
    (tmp_path / "fresh").mkdir()
    created = own_temp_dir()
    assert created == (tmp_path / "fresh" / "rag-news-gradio").resolve() and oct(created.stat().st_mode & 0o777) == "0o700"


def test_drop_gradio_copy_deletes_only_inside_gradios_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.app import _drop_gradio_copy, _upload_path

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    kept = tmp_path / "gradio" / "h1" / "a.txt"
    kept.parent.mkdir(parents=True)
    kept.write_text("a")
    (kept.parent / "b.txt").write_text("b")
    _drop_gradio_copy(kept)
    assert not kept.exists() and (kept.parent / "b.txt").exists()  # its folder stays while it holds another file
    outside = tmp_path / "mine.txt"
    outside.write_text("mine")
    _drop_gradio_copy(outside)
    _drop_gradio_copy(tmp_path / "gradio" / "h1")  # a folder: not a file, kept
    _drop_gradio_copy(tmp_path / "gradio" / "missing.txt")
    assert outside.exists() and (kept.parent / "b.txt").exists()
    assert _upload_path("/x/a.txt") == Path("/x/a.txt") and _upload_path(SimpleNamespace(name="/y/b.txt")) == Path("/y/b.txt")
    assert _upload_path(Path("/z/c.txt")) == Path("c.txt")  # a Path's name attribute is the file name alone

    class Named:
        def __str__(self) -> str:
            return "/w/d.txt"

    assert _upload_path(Named()) == Path("/w/d.txt")  # anything else: its text


def test_launch_loads_the_index_and_serves_the_app_with_its_options(
    news: Assistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import gradio as gr

    from ui.app import CONCURRENCY, launch, launch_options

    served: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **options: served.append((self, options)))  # would block
    monkeypatch.delenv("GRADIO_ANALYTICS_ENABLED", raising=False)
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    settings = Settings(max_file_mb=3, reader="fast")
    limits = FetchLimits(timeout_s=2)
    launch(index_dir=news.index_dir, settings=settings, host="0.0.0.0", port=7001, share=True, read_only=True,
           fetch_limits=limits)
    (app, options), = served
    expected = {"server_name": "0.0.0.0", "server_port": 7001, "share": True, **launch_options(3)}
    assert options.pop("theme").font == expected.pop("theme").font and options == expected
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False" and os.environ["GRADIO_TEMP_DIR"] == str(tmp_path / "rag-news-gradio")
    assert app.max_threads >= CONCURRENCY == 16 and app._queue.default_concurrency_limit == 16
    public = {d["api_name"] for d in app.config["dependencies"] if d["api_visibility"] == "public"}
    assert public == {"chat", "timeline"}  # read-only
    reader = [c for c in app.config["components"] if c["props"].get("elem_id") == "reader"][0]["props"]["value"]
    assert reader == FAST_READER
    assert capsys.readouterr().out == "serving on http://0.0.0.0:7001\n"
    heading = [c for c in app.config["components"] if c["props"].get("elem_id") == "first-screen"][0]["props"]["value"]
    assert heading.startswith(f"## Ask the articles\nIndex **{news.index_dir.name}**: 7 articles")  # the index asked for

    from tests.helpers import NewsSite, article_page

    site = NewsSite()
    site.route("/ferry", article_page("Ferry carries 2,400", ["The new ferry carried 2,400 passengers in its first week."],
                                      date="2026-05-04", site="Lake Courier"))
    own = tmp_path / "own"
    (own / "seed").mkdir(parents=True)
    (own / "seed" / "fair.txt").write_text("Fair opens\nPublished: 2024-05-01\nThe town fair opened on Friday.")
    Assistant(own / "index").index([own / "seed"])
    try:
        launch(index_dir=own / "index", fetch_limits=FetchLimits(allow_hosts=frozenset({"127.0.0.1"}), min_interval_s=0.0))
        app, options = served[1]
        assert (options["server_name"], options["server_port"], options["share"]) == ("127.0.0.1", 7860, False)
        assert {d["api_name"] for d in app.config["dependencies"] if d["api_visibility"] == "public"} == {
            "chat", "timeline", "upload", "add_feed"}
        assert handlers(app)["add_feed"](f"{site.url}/ferry")[0].startswith("**Added** 1 article(s)")  # loopback allowed
    finally:
        site.close()


def test_a_follow_up_reads_every_earlier_question_and_an_empty_message_is_refused(news: Assistant) -> None:
    from ui.app import build_app

    respond = handlers(build_app(news))["respond"]
    history = [{"role": "user", "content": "How many people were killed in the earthquake?"},
               {"role": "assistant", "content": "31 [1]"},
               {"role": "user", "content": [{"type": "text", "text": "How many vehicles were recalled?"}]},
               {"role": "assistant", "content": "300,000 [1]"}]
    *_, (_, shown, _, _) = replies(respond, "and in 2023?", history)
    assert shown[-1]["content"].startswith("<span class='refusal-note'>(understood as: in 2023? (recalled))</span>")
    assert shown[:4] == history  # the earlier turns as they were
    (update,) = replies(respond, None)  # type: ignore[arg-type]
    assert update[1] == [{"role": "user", "content": "(empty)"}, {
        "role": "assistant", "content": "⚠️ the question is empty: type a question, e.g. 'how many troops?'"}]


def test_undated_articles_are_kept_only_when_the_box_is_ticked(assistant: Assistant) -> None:
    from ui.app import build_app

    respond = handlers(build_app(assistant))["respond"]  # the demo's two articles have no date
    *_, (_, history, _, _) = replies(respond, "How many troops?", since="2021-01-01")
    assert history[-1]["content"] == (
        "**No indexed article was published since 2021-01-01; 2 article(s) have no known date: tick “Keep articles of "
        "unknown date” under Dates to include them.**")
    *_, (_, history, _, _) = replies(respond, "How many troops?", since="2021-01-01", include_undated=True)
    assert "troops" in history[-1]["content"] and "<a href='#src-1-1'>[1]</a>" in history[-1]["content"]
