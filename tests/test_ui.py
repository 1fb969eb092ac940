"""The Gradio app, served for real on loopback: headless Chromium and gradio_client."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from rag import REFUSAL_TEXT, Answer, Assistant, Citation, RagError, Settings
from rag._types import Copy, Disagreement, MentionedDate, Passage, SourceDocument, TimeScope
from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
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
    ]
    assert example_questions(docs, n=6)[4:] == ["What happened: Storm: what next?"]
    assert example_questions(docs, n=1) == ["What happened: Quake strikes?"]
    assert example_questions([]) == []
    exactly = "x" * 70
    assert example_questions([doc("h", exactly, None)]) == [f"What happened: {exactly}?"]
    # A word that ends at the 70th character is whole: it stays; one that runs past it goes.
    ends = "word " * 13 + "lastw" + " more words follow"  # the 70th character is lastw's w
    assert example_questions([doc("i", ends, None)]) == [f"What happened: {'word ' * 13}lastw…?"]
    runs = "word " * 13 + "lastwo" + " more words follow"
    assert example_questions([doc("j", runs, None)]) == [f"What happened: {('word ' * 13).rstrip()}…?"]
    assert example_questions([doc("h", "y" * 60 + " zzzzzzzzzzzz", None)]) == [f"What happened: {'y' * 60}…?"]
    assert example_questions([doc("h", "y" * 60 + " zz, zzzz zzzzzzz", None)]) == [f"What happened: {'y' * 60} zz, zzzz…?"]
    assert example_questions([doc("h", "y" * 60 + " zz, zzzzzzzzzz", None)]) == [f"What happened: {'y' * 60} zz…?"]


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
    (root / "docs").mkdir()
    (root / "docs" / "harbour.txt").write_text(
        "Harbour reopens\nPublished: 2024-03-05\n\nThe city harbour reopened on Tuesday after the storm. "
        "Forty-two cargo ships had waited offshore.\n", encoding="utf-8")
    (root / "docs" / "bridge.txt").write_text(
        "Bridge closes\n\nThe old bridge closed for repairs on 3 March 2024, the council said.\n", encoding="utf-8")
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
    assert examples == ["What happened: Harbour reopens?", "What happened: Bridge closes?"]
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
