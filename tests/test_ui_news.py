"""The chat UI over the dated sample news: source cards, copy, a conversation that survives a reload, dark mode, phones.

Served for real on loopback and driven in headless Chromium, as ``tests/test_ui.py`` does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag import Answer, Assistant, MiniLMEmbeddings, sample_news_dir
from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, serve_ui

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
QUAKE = "How many people were killed in the earthquake?"
WIRE_URL = "https://wire.example.com/world/2026/06/02/quake-coast"
# The colours of an element's text and of what it is drawn on (the first ancestor with a background).
COLOURS = """(el) => {
  const rgba = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  let e = el, bg = null;
  while (e && !bg) { const c = rgba(getComputedStyle(e).backgroundColor); if (c.length === 3 || c[3] > 0) bg = c; e = e.parentElement; }
  return [rgba(getComputedStyle(el).color), bg || [255, 255, 255]];
}"""


def contrast(colours: list[list[float]]) -> float:
    """WCAG contrast ratio of ``[text rgb(a), background rgb(a)]``."""

    def luminance(rgb: list[float]) -> float:
        lin = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    light, dark = sorted((luminance(colours[0]), luminance(colours[1])), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture(scope="module")
def news_ui(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> Iterator[tuple[str, Assistant]]:
    """The app over an index of the sample news, on a loopback port."""
    yield from serve_ui(tmp_path_factory.mktemp("ui-news"), sample_news_dir(), embedder)


def ask(page: Any, question: str, turn: int = 1) -> None:
    from playwright.sync_api import expect

    page.locator("#question textarea").fill(question)
    page.keyboard.press("Enter")
    expect(page.locator(f"#sources #src-{turn}-1")).to_be_visible(timeout=60_000)
    expect(page.locator("#chat .message").last).to_contain_text("[1]", timeout=30_000)


@pytest.mark.browser
def test_first_hour_in_the_browser(news_ui: tuple[str, Assistant]) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import expect, sync_playwright

    url, _ = news_ui
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 950}, color_scheme="light")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")

        # The first screen names the index and its articles; the examples are its newest headlines.
        expect(page.locator("#first-screen")).to_contain_text("7 articles, newest 2026-11-24", timeout=30_000)
        examples = page.locator("button.example")
        expect(examples.first).to_have_text("What happened: Carmaker recalls 300,000 SUVs over brake fault?")

        # Compact cards: the headline links to the article, outlet and date, the quote highlighted and readable.
        ask(page, QUAKE)
        wire = page.locator("#sources .src-card").filter(has_text="Wire Service, 2026-06-02").first
        link = wire.locator("a.src-link")
        expect(link).to_have_attribute("href", WIRE_URL)
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        expect(link).to_have_attribute("target", "_blank")
        expect(wire.locator(".src-meta").first).not_to_contain_text("score")
        expect(wire.locator(".src-more")).not_to_have_attribute("open", "")  # the rest folds away
        mark = page.locator("#sources mark").first
        assert contrast(mark.evaluate(COLOURS)) >= 4.5
        assert contrast(page.locator("#sources .src-meta").first.evaluate(COLOURS)) >= 4.5

        # Copy: plain text with numbered sources.
        page.locator("#copy").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("Answer: 31") and "[1] Quake death toll rises to 31 (City Herald, 2026-06-04)" in copied
        assert "**" not in copied and "<" not in copied and "&#" not in copied

        # A reload keeps the conversation and its sources; Clear forgets both, and numbering starts again.
        page.reload(wait_until="domcontentloaded")
        expect(page.locator("#chat")).to_contain_text("rose to 31 people killed", timeout=30_000)
        expect(page.locator("#sources #src-1-1")).to_be_visible()
        page.locator("#clear").click()
        expect(page.locator("#chat .message")).to_have_count(0, timeout=10_000)
        expect(page.locator("#sources")).to_contain_text("Sources of each answer appear here.")
        page.reload(wait_until="domcontentloaded")
        expect(page.locator("#first-screen")).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1_000)
        expect(page.locator("#chat .message")).to_have_count(0)
        examples.nth(1).click()
        expect(page.locator("#sources #src-1-1")).to_be_visible(timeout=60_000)
        expect(page.locator("#sources #src-2-1")).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / "ui-news.png"))
        context.close()

        # Dark mode on a phone: the highlight stays readable, and [n] reaches its card.
        context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark", is_mobile=True)
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        ask(page, QUAKE)
        body_bg = page.locator("body").evaluate(COLOURS)[1]
        assert sum(body_bg[:3]) < 3 * 100, f"dark mode is not on: {body_bg}"
        for selector in ("#sources mark", "#sources .src-meta", "#sources .src-head"):
            ratio = contrast(page.locator(selector).first.evaluate(COLOURS))
            assert ratio >= 4.5, (selector, ratio)
        page.locator("#chat a[href='#src-1-1']").first.click()
        expect(page.locator("#src-1-1")).to_be_in_viewport(timeout=5_000)
        page.screenshot(path=str(ARTIFACTS / "ui-news-phone-dark.png"))
        browser.close()


def test_a_timeline_shows_each_sentence_once(news_ui: tuple[str, Assistant]) -> None:
    from ui.app import render_timeline

    _, assistant = news_ui
    timeline = assistant.timeline("earthquake in the port city")
    quote = "magnitude 7.4 earthquake rose to 31 people killed"
    assert sum(quote in e.citation.quote for e in timeline.events) == 2  # Monday and Wednesday
    shown = render_timeline(timeline)
    assert shown.count(quote) == 1 and "2026-06-01, 2026-06-03" in shown


def test_the_date_refusal_names_the_checkbox_not_the_flag(news_ui: tuple[str, Assistant]) -> None:
    from ui.app import _ui_worded, render_answer

    refusal = Answer("q?", "No indexed article was published since 2030-01-01; 2 article(s) have no known date: "
                           "include them with --include-undated (include_undated=True).", True)
    shown = render_answer(_ui_worded(refusal), 1)
    assert "--include-undated" not in shown and "“Keep articles of unknown date” under Dates" in shown


def test_example_questions_follow_the_index(news_ui: tuple[str, Assistant], assistant: Assistant) -> None:
    from ui.app import example_questions

    _, news = news_ui
    assert example_questions(news.documents())[:2] == [
        "What happened: Carmaker recalls 300,000 SUVs over brake fault?", "What happened: Quake death toll rises to 31?"]
    demo = example_questions(assistant.documents())
    assert len(demo) == 3 and all(re.fullmatch(r"What happened: .{10,72}\?", q) for q in demo[:2])
    assert demo[2] == "What's the latest?"
