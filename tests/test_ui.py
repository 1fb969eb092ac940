"""The Gradio app, served for real on loopback: headless Chromium and gradio_client."""

from __future__ import annotations

import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rag import Assistant
from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

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
