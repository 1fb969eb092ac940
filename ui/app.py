"""The Gradio chat UI: presentation only, every answer comes from ``rag.Assistant``.

Layout: the chat on the left; on the right the sources of each answer (the
cited passage with the cited sentence highlighted), then upload, index and
settings panels. Each ``[n]`` in an answer links to its source card; a click
scrolls the card into view and flashes it (a few lines of JavaScript in
``HEAD``, because Gradio's chat renders links but has no scroll-to event).
Uploads are kept in ``<index>/uploads`` and never replace a file there
(:mod:`ui.uploads`, shared with the REST API). The index panel lists the
index's feeds and URLs as polling recorded them (last check, articles added,
updated, unchanged, failed) and, unless read-only, adds a feed or article
URL the way ``rag index URL`` does (:mod:`ui.feeds`).

Example:
    >>> from rag import Assistant
    >>> app = build_app(Assistant.load())  # doctest: +SKIP
    >>> app.queue().launch(server_name="127.0.0.1", server_port=7860)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import gradio as gr

from rag import (
    REFUSAL_TEXT,
    Answer,
    Assistant,
    Citation,
    FetchLimits,
    RagError,
    Settings,
    SourceDocument,
    Timeline,
    redact,
)

from .exposure import exposed_message, shown_path
from .feeds import FeedReport, add_url
from .messages import inert, message_text, reply_text
from .uploads import UploadReport, UploadTooLargeError, add_uploads

__all__ = ["CONCURRENCY", "LATEST_EXAMPLE", "UPLOAD_CACHE", "app_options", "build_app", "example_questions", "launch", "launch_options",
           "own_temp_dir", "render_answer", "render_feed_report", "render_sources", "render_watched"]

READERS = {"Model (reads each candidate; short answers)": "model", "Large (the 12-layer reader: slower)": "large",
           "Fast (evidence score only)": "fast"}

CSS = """
.src-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin: 6px 0;
            transition: box-shadow .3s, background-color .3s; }
.src-card.flash { box-shadow: 0 0 0 3px #f59e0b; background-color: rgba(245, 158, 11, .08); }
.src-card .src-head { font-weight: 600; }
.src-card .src-meta { font-size: .85em; color: var(--body-text-color); margin-bottom: 4px; overflow-wrap: anywhere; }
/* The theme's body text colour, not its "subdued" one (1.9:1 on white) nor an opacity: readable in both themes.
   Dark text on amber in both themes: "inherit" made light text on amber in dark mode (contrast under 2:1). */
.src-card mark, #timeline mark { background: #fde68a; color: #1f2937; padding: 0 2px; border-radius: 2px; }
.src-card .src-more > summary { cursor: pointer; font-size: .85em; color: var(--body-text-color); }
.src-turn > summary { cursor: pointer; font-weight: 600; margin: 4px 0; }
.plain-answer { display: none; }
.refusal-note { font-size: .9em; color: var(--body-text-color); }
"""

HEAD = """
<script>
document.addEventListener("click", function (event) {
  const link = event.target.closest && event.target.closest("a[href^='#src-']");
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  const card = document.getElementById(link.getAttribute("href").slice(1));
  if (!card) return;
  const turn = card.closest("details");
  if (turn) turn.open = true;
  card.scrollIntoView({ behavior: "smooth", block: "center" });
  card.classList.add("flash");
  setTimeout(function () { card.classList.remove("flash"); }, 1600);
}, true);
</script>
"""

# The Copy button: the newest answer as plain text with its numbered sources (ui.messages.reply_text), kept
# beside its cards in the Sources panel, so it survives a reload with them.
COPY_JS = """() => {
  const text = document.querySelector("#sources .plain-answer");
  if (text) navigator.clipboard.writeText(text.textContent);
  return [];
}"""

_MARKER = re.compile(r"\[(\d+)\]")
CONCURRENCY = 16  # chat requests Gradio's queue runs at once
SECONDS_PER_MB = 10  # indexing cost of uploaded text on 2 cores, stated beside the upload box
# Gradio's temp files (Blocks' delete_cache): every 5 minutes, those older than 15 minutes go. A file posted to
# Gradio's upload route and never submitted would otherwise stay, and be served back by its URL, forever.
UPLOAD_CACHE = (300, 900)


def render_answer(answer: Answer, turn: int) -> str:
    """Answer text for the chat: the short answer first (bold), then the quotes, each ``[n]`` a link to its source card.

    The chat renders markdown, so every piece of text that is not our own
    markup (quotes, short answer, values) goes through :func:`ui.messages.inert`:
    an article's ``![p](http://…)`` or ``[click](http://…)`` is shown, never fetched or linked.
    """
    if answer.refused:
        if answer.text != REFUSAL_TEXT:  # e.g. no article in the date range: the reason is the answer
            return f"**{inert(answer.text)}**"
        return (
            f"**{REFUSAL_TEXT}**\n\n<span class='refusal-note'>Nothing in the indexed articles is strong enough "
            "evidence. The closest passages are listed under Sources.</span>"
        )
    linked = _linked(answer.text, turn, {c.n for c in answer.citations})
    notes = []
    if answer.time_scope:
        notes.append(f"<span class='refusal-note'>Time scope: {inert(answer.time_scope.describe())}</span>")
    for d in answer.disagreements:
        values = " vs ".join(f"{inert(v)} &#91;{n}&#93;" for v, n in zip(d.values, d.citations))
        notes.append(f"<span class='refusal-note'>Sources differ ({inert(d.kind)}): {values}</span>")
    tail = "\n\n" + "<br>".join(notes) if notes else ""
    if answer.short_answer:
        return f"**{inert(answer.short_answer)}**\n\n{linked}{tail}"
    return linked + tail


def _linked(text: str, turn: int, cited: set[int]) -> str:
    """``text`` made inert, each of its ``[n]`` markers of a citation made a link to that source card."""
    pieces, done = [], 0
    for marker in _MARKER.finditer(text):
        n = int(marker.group(1))
        if n in cited:
            pieces += [inert(text[done:marker.start()]), f"<a href='#src-{turn}-{n}'>[{n}]</a>"]
            done = marker.end()
    return "".join(pieces) + inert(text[done:])


def _card(card_id: str, head: str, meta: str, body: str, more: str = "") -> str:
    """A source card: headline, one line of meta, the quote; ``more`` folded under "More"."""
    folded = f"<details class='src-more'><summary>More</summary>{more}</details>" if more else ""
    return (
        f"<div class='src-card' id='{card_id}'><div class='src-head'>{head}</div>"
        f"<div class='src-meta'>{meta}</div><div class='src-body'>{body}</div>{folded}</div>"
    )


_SENTENCE_END = re.compile(r"(?<=[.!?…”\"])\s+|\s*\n\s*")  # a line break ends a headline, which has no full stop


def _in_context(text: str, lo: int, hi: int, title: str = "") -> str:
    """``text[lo:hi]`` highlighted, with the sentence before it (else the one after) as context, escaped.

    The headline is not context: the card shows it already.
    """
    before = _SENTENCE_END.split(text[:lo].rstrip())[-1] if text[:lo].strip() else ""
    before = "" if before.strip() == title.strip() else before
    after = "" if before else _SENTENCE_END.split(text[hi:].lstrip(), maxsplit=1)[0]
    return (html.escape(before) + (" " if before else "") + "<mark>" + html.escape(text[lo:hi]) + "</mark>"
            + (" " if after else "") + html.escape(after))


def render_sources(answer: Answer, turn: int, heading: str = "", *, show_paths: bool = True) -> str:
    """One turn's source cards, compact: headline (linked to the article), outlet and date, the quote highlighted
    with a sentence of context; the whole passage, resolved dates and other outlets' copies fold under "More".

    The file is shown by name with ``show_paths`` (``rag ui``), not at all
    without (a served UI). The turn also carries the answer as plain text,
    for the Copy button.
    """
    cards = []
    if answer.refused:
        for i, passage in enumerate(answer.passages[: 5 if heading else 3], 1):
            meta = f"closest passage {i}{_file(passage.source, show_paths)}"
            cards.append(_card(f"src-{turn}-p{passage.rank}", html.escape(passage.title), meta, html.escape(passage.text)))
        title = f"Q{turn}: {html.escape(answer.question)} ({heading or 'not answered; closest passages'})"
    else:
        for citation in answer.citations:
            passage = next(
                (p for p in answer.passages if p.doc_id == citation.doc_id and p.start <= citation.start and citation.end <= p.end),
                None,
            )
            if passage is not None:
                lo, hi = citation.start - passage.start, citation.end - passage.start
                body = _in_context(passage.text, lo, hi, citation.title)
                whole = (html.escape(passage.text[:lo]) + "<mark>" + html.escape(passage.text[lo:hi]) + "</mark>"
                         + html.escape(passage.text[hi:]))
            else:
                body = whole = "<mark>" + html.escape(citation.quote) + "</mark>"
            meta = f"{_about(citation)}{_file(citation.source, show_paths)}"
            more = f"<p>{whole}</p><p class='src-meta'>characters {citation.start}–{citation.end}{_dates_and_copies(citation)}</p>"
            cards.append(_card(f"src-{turn}-{citation.n}", f"[{citation.n}] {_headline(citation)}", meta, body, more))
        title = f"Q{turn}: {html.escape(answer.question)}"
    plain = f"<pre class='plain-answer'>{html.escape(reply_text(answer))}</pre>" if not heading else ""
    return f"<details class='src-turn' open><summary>{title}</summary>{plain}{''.join(cards)}</details>"


def _headline(citation: Citation) -> str:
    """The cited article's title, escaped, linking to the article when it has a web address.

    Only ``http``/``https`` become links (a ``javascript:`` or ``file:`` URL
    from an article's metadata must not), opened in a new tab that can't
    reach back into this page (``noopener``) or learn where it came from
    (``noreferrer``).
    """
    title = html.escape(citation.title)
    url = citation.url or ""
    if not re.match(r"https?://[^\s/]", url, re.IGNORECASE):
        return title
    return f'<a class="src-link" href="{html.escape(url, quote=True)}" rel="noopener noreferrer" target="_blank">{title}</a>'


def _file(source: str, show_paths: bool) -> str:
    """`` · name.txt`` on one's own machine (``rag ui``); nothing on a served UI, whose files are the server's business."""
    return f" · {html.escape(shown_path(source))}" if show_paths else ""


def _about(citation: Citation) -> str:
    """``Outlet, 2021-08-09`` of a citation, escaped (``date unknown`` when it has none)."""
    return html.escape(citation.about())


def _dates_and_copies(citation: Citation) -> str:
    """Resolved relative dates and other outlets' copies, as extra lines of a card's meta."""
    lines = []
    resolved = [f"{d.phrase} → {d.iso}" for d in citation.dates if d.how != "explicit"]
    if resolved:
        lines.append("dates: " + html.escape(", ".join(resolved)))
    if citation.also_published:
        lines.append("also published by: " + html.escape("; ".join(c.describe() for c in citation.also_published)))
    return "".join(f"<br>{line}" for line in lines)


def render_timeline(timeline: Timeline) -> str:
    """A timeline as HTML: one card per event, oldest first, each with its exact quote and how its date was found."""
    if not timeline.events:
        return "<p>No dated events found in the retrieved articles.</p>"
    # One card per sentence: a sentence naming two days ("Monday's quake … said on Wednesday") is two events
    # of the timeline, but the same quote twice read as a repetition. Its card sits at its first date.
    sentences: dict[tuple[str, int, int], list[Any]] = {}
    for event in timeline.events:
        sentences.setdefault((event.citation.doc_id, event.citation.start, event.citation.end), []).append(event)
    cards = []
    for events in sentences.values():
        c = events[0].citation
        dates = ", ".join(dict.fromkeys(e.date for e in events))
        hows = "; ".join(dict.fromkeys(
            "publication date" if e.how == "published" else f"{e.how}: “{html.escape(e.phrase or '')}”" for e in events))
        meta = f"{_about(c)} · {hows}"
        cards.append(_card(f"event-{c.n}", f"{html.escape(dates)} [{c.n}] {_headline(c)}", meta,
                           f"<mark>{html.escape(c.quote)}</mark>"))
    scope = f"<p class='refusal-note'>Time scope: {html.escape(timeline.time_scope.describe())}</p>" if timeline.time_scope else ""
    return scope + "".join(cards)


# The last example: an overview of the newest articles (rag/_overview.py), which no headline question shows.
LATEST_EXAMPLE = "What's the latest?"


def example_questions(documents: list[SourceDocument] | tuple[SourceDocument, ...], n: int = 4) -> list[str]:
    """Questions from the index's newest headlines ("What happened: Quake death toll rises to 31?"), then "What's the latest?".

    The newest dated articles first, then undated ones; one question per
    headline (syndicated copies share theirs); long headlines are cut at a
    word. The last example asks for the newest news as a whole (an index
    with no article has no examples).

    Example:
        >>> docs = [SourceDocument("a", "Harbour reopens.", "a.txt", "", "", published="2024-01-02"),
        ...         SourceDocument("b", "Quake strikes", "b.txt", "", "", published="2026-06-02")]
        >>> example_questions(docs)
        ['What happened: Quake strikes?', 'What happened: Harbour reopens?', "What's the latest?"]
    """
    newest = sorted(documents, key=lambda d: d.published or "", reverse=True)
    titles = dict.fromkeys(d.title.strip().rstrip(".!?…:;, ") for d in newest if d.title.strip())
    questions = []
    for title in list(titles)[:n]:
        if len(title) > 70:  # whole words of the first 70 characters (a word ending at the 70th is whole)
            head = title[:71]
            title = (head.rsplit(" ", 1)[0] if " " in head else head[:70]).rstrip(",;:") + "…"
        questions.append(f"What happened: {title}?")
    return [*questions, LATEST_EXAMPLE] if documents else questions


def _first_screen(assistant: Assistant) -> str:
    """The heading: which index is loaded and how many articles it holds (and how recent), so one knows what is asked."""
    info = assistant.info()
    docs = assistant.documents()
    name = shown_path(str(info["index_dir"]))
    newest = max((d.published for d in docs if d.published), default=None)
    span = f", newest {newest}" if newest else ""
    return (f"## Ask the articles\nIndex **{html.escape(name)}**: {info['documents']} articles{span}. "
            "Every statement cites the sentences it comes from; click a **[n]** to see its source.")


def _ui_worded(answer: Answer) -> Answer:
    """``answer`` with the command line's advice worded for this page (the checkbox, not ``--include-undated``)."""
    text = re.sub(r"include them with --include-undated \(include_undated=True\)",
                  "tick “Keep articles of unknown date” under Dates to include them", answer.text)
    return answer if text == answer.text else replace(answer, text=text)


def _index_summary(assistant: Assistant, show_paths: bool = True) -> str:
    info = assistant.info()
    lines = [
        f"**{info['documents']} documents · {info['chunks']} chunks** · model `{info['embedding_model']}`",
        f"index `{shown_path(info['index_dir'], show_paths)}` ({info['size_bytes'] / 1024:.0f} KiB)",
        "",
    ]
    lines += [f"- {inert(doc.title)} ({inert(doc.id)})" for doc in assistant.documents()[:50]]  # a markdown panel
    if info["documents"] > 50:
        lines.append(f"- … and {info['documents'] - 50} more")
    return "\n".join(lines)


def render_watched(assistant: Assistant, show_paths: bool = True) -> str:
    """The index's feeds and URLs as polling last recorded them, for a markdown panel (every value inert)."""
    sources = assistant.watched().listing()
    if not sources:
        return "**Feeds and URLs**: none yet (`rag index URL`, `rag watch URL` or Add feed URL add them)."
    lines = ["**Feeds and URLs** (`rag watch` on this index polls the watched ones)", ""]
    for source in sources[:50]:
        where = source.url
        if where.startswith("file:"):  # a local list of URLs: a server path
            where = "file " + shown_path(where.removeprefix("file:"), show_paths)
        kind = ("watched " if source.watched else "") + (source.kind or "not read yet")
        checked = source.checked.replace("T", " ").replace("+00:00", " UTC") if source.checked else "never"
        line = f"- {inert(redact(where))} · {inert(kind)} · checked {inert(checked)} · {source.counts()}"
        if source.error:
            line += f" · ⚠️ {inert(exposed_message(redact(source.error), show_paths))}"
        lines.append(line)
    if len(sources) > 50:
        lines.append(f"- … and {len(sources) - 50} more")
    return "\n".join(lines)


def render_feed_report(report: FeedReport) -> str:
    """What adding a URL did, as markdown: a paragraph per outcome, failure, warning and note (every value inert)."""
    lines = []
    if report.added:
        watched = " Watched: `rag watch` on this index polls it." if report.watched else ""
        lines.append(f"**Added** {len(report.added)} article(s) from {inert(report.url)}; searchable now.{watched}")
    elif not report.failed:
        lines.append(f"Nothing new at {inert(report.url)}: its {report.unchanged} article(s) are indexed already.")
    lines += [f"**Failed** {inert(' '.join(line.split()))}" for line in report.failed]
    lines += [f"**Warning** {inert(' '.join(line.split()))}" for line in report.warnings]
    lines += [inert(" ".join(note.split())) for note in report.notes]
    return "\n\n".join(lines)


def build_app(
    assistant: Assistant, *, upload_dir: str | Path | None = None, show_paths: bool = True, read_only: bool = False,
    delete_cache: tuple[int, int] = UPLOAD_CACHE, fetch_limits: FetchLimits | None = None,
) -> gr.Blocks:
    """Build the Blocks app around a loaded assistant.

    Args:
        assistant: A loaded :class:`rag.Assistant` (all answering happens there).
        upload_dir: Where uploaded files are kept (default: ``<index>/uploads``),
            so their sources stay readable after Gradio clears its cache.
        show_paths: Show the index folder as an absolute path and each source
            card's file by name (``rag ui``, on one's own machine); otherwise
            the folder by name and no files (``rag serve`` without
            ``--show-paths``).
        read_only: No upload box, no "Add feed URL" and no API for either
            (``--read-only``): whoever reaches the UI can ask, not write to the index.
        delete_cache: Gradio's ``(every, older than)`` seconds for deleting its
            temp files (:data:`UPLOAD_CACHE`).
        fetch_limits: How "Add feed URL" fetches (``--allow-host``, ``--timeout``;
            default: the fetcher's defaults, which refuse loopback and private addresses).
    """
    uploads = Path(upload_dir) if upload_dir else assistant.index_dir / "uploads"
    max_mb = assistant.settings.max_file_mb

    backends = ["Extractive (quotes)"] + ([f"LLM: {assistant.llm_name}"] if assistant.llm_name else [])

    def respond(
        message: str, history: list[dict[str, Any]], top_k: float, backend: str, reader: str,
        since: str, until: str, as_of: str, include_undated: bool, sources: list[str],
    ) -> Iterator[tuple[Any, ...]]:
        history = list(history or [])
        sources = list(sources or [])
        question = (message or "").strip()
        history.append({"role": "user", "content": question or "(empty)"})
        earlier = [message_text(m.get("content")) for m in history[:-1] if m.get("role") == "user"]
        turn = len(sources) + 1
        older = [s.replace("<details class='src-turn' open>", "<details class='src-turn'>") for s in sources]
        answer: Answer | None = None
        raw = ""
        history.append({"role": "assistant", "content": "…"})
        try:
            first = True
            use_llm = backend != backends[0]
            for event in assistant.stream(
                question, top_k=int(top_k), history=earlier, use_llm=use_llm, reader=READERS.get(reader, reader),
                since=(since or "").strip() or None, until=(until or "").strip() or None, as_of=(as_of or "").strip() or None,
                include_undated=bool(include_undated),
            ):
                if event.kind == "sources" and event.passages and use_llm:
                    # An LLM takes seconds: show what it reads meanwhile. An extractive answer follows in
                    # milliseconds, so its sources go out once, with it (a preview doubled the UI's work).
                    preview = Answer(question, "", True, passages=event.passages)
                    shown = [render_sources(preview, turn, heading="retrieved passages", show_paths=show_paths)] + older
                    yield ("" if first else gr.skip()), history, sources, _sources_html(shown)
                    first = False
                elif event.kind == "token":
                    raw += event.text
                    history[-1] = {"role": "assistant", "content": inert(raw)}  # unchecked text: shown, not rendered
                    yield ("" if first else gr.skip()), history, sources, gr.skip()
                    first = False
                answer = event.answer or answer
        except RagError as error:
            history[-1] = {"role": "assistant", "content": f"⚠️ {inert(str(error))}"}
            yield "", history, sources, _sources_html(sources)
            return
        except Exception as error:  # noqa: BLE001 - the person sees one line, never a traceback
            history[-1] = {"role": "assistant",
                           "content": f"⚠️ Something went wrong ({type(error).__name__}: {inert(str(error))})."}
            yield "", history, sources, _sources_html(sources)
            return
        if answer is None:
            return
        answer = _ui_worded(answer)
        sources = [render_sources(answer, turn, show_paths=show_paths)] + older
        full = render_answer(answer, turn)
        if answer.standalone_question:
            full = f"<span class='refusal-note'>(understood as: {inert(answer.standalone_question)})</span>\n\n{full}"
        if raw:  # an LLM answer: show the checked text at once
            history[-1] = {"role": "assistant", "content": full}
            yield gr.skip(), history, sources, _sources_html(sources)
            return
        # Extractive: the answer in two steps, its first half and then the whole. The sources are sent
        # with both (the last update is what an API client gets). Every update costs the server and the
        # browser the whole chat: 24 updates, each resending every turn's cards, were most of the UI's
        # cost under load, and 4 still cost about 0.5 s of p95 at 20 users (docs/benchmarks.md).
        words = re.split(r"(\s+)", full)
        half = "".join(words[: -(-len(words) // 2)])
        # The first update clears the question box (later ones leave it alone so typing isn't wiped);
        # the last is the API's result. A one-word answer needs only the one.
        for i, content in enumerate([half, full] if half != full else [full]):
            history[-1] = {"role": "assistant", "content": content}
            yield ("" if first and i == 0 else gr.skip()), history, sources, _sources_html(sources)
            time.sleep(0.01)

    def timeline(query: str, since: str, until: str, as_of: str, include_undated: bool) -> str:
        try:
            found = assistant.timeline(
                query or "", since=(since or "").strip() or None, until=(until or "").strip() or None,
                as_of=(as_of or "").strip() or None, include_undated=bool(include_undated),
            )
        except RagError as error:
            return f"<p>⚠️ {html.escape(str(error))}</p>"
        except Exception as error:  # noqa: BLE001 - one line, never a traceback
            return f"<p>⚠️ Something went wrong ({html.escape(type(error).__name__)}: {html.escape(str(error))}).</p>"
        return render_timeline(found)

    def upload(files: list[Any] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, str, None, str]:  # noqa: B008 - Gradio's idiom
        if not files:
            return "No file chosen.", _index_summary(assistant, show_paths), None, _first_screen(assistant)
        try:
            # the box is emptied: its files are gone (below)
            return (*_upload(files, progress), None, _first_screen(assistant))
        finally:
            for item in files:  # Gradio's temp copies: ours is in uploads/ now, theirs would pile up
                _drop_gradio_copy(_upload_path(item))

    def _upload(files: list[Any], progress: gr.Progress) -> tuple[str, str]:
        progress(0.2, desc=f"Indexing {len(files)} file(s)")
        try:
            report = add_uploads(assistant, [(path.name, path) for path in map(_upload_path, files)], uploads)
        except UploadTooLargeError as error:
            report = UploadReport(rejected=(str(error),))
        progress(1.0, desc="Done")
        lines = []
        if report.added:
            lines.append(f"**Added** {len(report.added)} document(s): {inert(', '.join(report.added))}. "
                         "They are searchable now.")
        lines.extend(map(inert, report.notes))  # file names are the uploader's: shown, never rendered
        for reason in report.rejected:
            lines.append(f"**Rejected** {inert(reason)}")
        for warning in report.warnings:  # what `rag index` warns of: a value a file lost
            lines.append(f"**Warning** {inert(exposed_message(warning, show_paths))}")
        if not lines:
            lines.append("Nothing new: these files are already indexed.")
        return "\n\n".join(lines), _index_summary(assistant, show_paths)

    def add_feed(url: str, progress: gr.Progress = gr.Progress()) -> tuple[str, str, str, str, Any]:  # noqa: B008 - Gradio's idiom
        progress(0.1, desc="Fetching and indexing")
        try:
            report = add_url(assistant, url, fetch_limits or FetchLimits())
        except RagError as error:
            message = exposed_message(" ".join(redact(str(error)).split()), show_paths)  # e.g. the index's folder
            return (f"**Failed** {inert(message)}", _index_summary(assistant, show_paths),
                    render_watched(assistant, show_paths), _first_screen(assistant), gr.skip())
        except Exception as error:  # noqa: BLE001 - the person sees one line, never a traceback
            detail = " ".join(redact(str(error)).split())[:200]
            return (f"**Failed** something went wrong ({inert(type(error).__name__)}: {inert(detail)})",
                    _index_summary(assistant, show_paths), render_watched(assistant, show_paths),
                    _first_screen(assistant), gr.skip())
        progress(1.0, desc="Done")
        return (render_feed_report(report), _index_summary(assistant, show_paths),
                render_watched(assistant, show_paths), _first_screen(assistant), "" if report.added else gr.skip())

    def refresh_index() -> tuple[str, str]:
        return _index_summary(assistant, show_paths), render_watched(assistant, show_paths)

    examples = example_questions(assistant.documents())

    def save(history: list[dict[str, Any]], sources: list[str]) -> dict[str, Any]:
        return {"chat": history, "sources": sources}

    def restore(saved: dict[str, Any] | None) -> tuple[list[dict[str, Any]], list[str], str]:
        saved = saved if isinstance(saved, dict) else {}
        history, sources = list(saved.get("chat") or []), [s for s in saved.get("sources") or [] if isinstance(s, str)]
        return history, sources, _sources_html(sources)

    def clear() -> tuple[list[Any], list[str], str, dict[str, Any], str]:
        return [], [], _sources_html([]), save([], []), ""

    with gr.Blocks(title="News Q&A with citations", analytics_enabled=False, delete_cache=delete_cache) as app:
        sources_state = gr.State([])
        # The conversation and its cards, in this browser's storage: a reload brings them back, Clear forgets them.
        saved = gr.BrowserState(save([], []), storage_key="rag-news-conversation")
        heading = gr.Markdown(_first_screen(assistant), elem_id="first-screen")
        with gr.Tab("Chat"), gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                # No per-message copy button: it copied the markdown and links; "Copy answer" copies plain text.
                chat = gr.Chatbot(elem_id="chat", height=520, label="Chat", sanitize_html=True, buttons=[])
                with gr.Row():
                    question = gr.Textbox(
                        elem_id="question", placeholder="Ask a question about these articles", show_label=False, scale=5,
                        lines=1, max_lines=3,
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    copy_button = gr.Button("Copy answer", size="sm", elem_id="copy")
                    clear_button = gr.Button("Clear conversation", size="sm", elem_id="clear")
                with gr.Row():
                    example_buttons = [gr.Button(text, size="sm", elem_classes=["example"]) for text in examples]
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("### Sources")
                sources_html = gr.HTML("<p>Sources of each answer appear here.</p>", elem_id="sources", max_height=600)
                with gr.Accordion("Add articles", open=False, visible=not read_only):
                    files = gr.File(
                        # Indexing runs at about 10 s per MB of text on 2 cores (bench: SQuAD's 1.6 MB in 16 s).
                        label=f"Upload .txt, .md, .html, .pdf, .json or .csv (max {max_mb:g} MB each; "
                        f"indexing takes about {SECONDS_PER_MB:.0f} s per MB)",
                        file_count="multiple", elem_id="upload",
                    )
                    upload_status = gr.Markdown(elem_id="upload-status")
                with gr.Accordion("Index", open=False) as index_accordion:
                    index_panel = gr.Markdown(_index_summary(assistant, show_paths), elem_id="index-panel")
                    watched_panel = gr.Markdown(render_watched(assistant, show_paths), elem_id="watched-panel")
                    if not read_only:  # read-only: no field, no button, no event, so no API either
                        with gr.Row():
                            feed_url = gr.Textbox(
                                elem_id="feed-url", label="Feed or article URL", placeholder="https://example.com/feed.xml",
                                show_label=False, scale=4, max_lines=1,
                            )
                            add_feed_button = gr.Button("Add feed URL", elem_id="add-feed", scale=1)
                        feed_status = gr.Markdown(elem_id="feed-status")
                with gr.Accordion("Dates", open=False):
                    since = gr.Textbox("", label="Published since (YYYY-MM-DD)", elem_id="since", max_lines=1)
                    until = gr.Textbox("", label="Published until (YYYY-MM-DD)", elem_id="until", max_lines=1)
                    as_of = gr.Textbox("", label="As of (answer as on that date)", elem_id="as-of", max_lines=1)
                    include_undated = gr.Checkbox(False, label="Keep articles of unknown date", elem_id="include-undated")
                with gr.Accordion("Settings", open=False):
                    top_k = gr.Slider(1, 10, value=assistant.settings.top_k, step=1, label="Passages per question (top-k)")
                    backend = gr.Radio(backends, value=backends[-1], label="Answering backend", elem_id="backend")
                    reader = gr.Radio(
                        list(READERS), value=next(k for k, v in READERS.items() if v == assistant.settings.reader),
                        label="Reader", elem_id="reader",
                    )
                    gr.Markdown(
                        "Extractive answers quote the articles and need no LLM. An LLM backend is configured at start: "
                        "`rag ui --llm openai --base-url URL --model NAME` (or `ollama`, `llamacpp --model FILE.gguf`)."
                    )
        with gr.Tab("Timeline"):
            gr.Markdown("The dated events of the articles a query finds, oldest first; each cites its sentence. "
                        "The date range of the Chat tab's **Dates** applies.")
            with gr.Row():
                timeline_query = gr.Textbox(elem_id="timeline-query", placeholder="e.g. Zapad/Interaction 2021 drill",
                                            show_label=False, scale=5, max_lines=1)
                timeline_button = gr.Button("Build timeline", variant="primary", scale=1, elem_id="timeline-button")
            timeline_html = gr.HTML(elem_id="timeline")
        outputs = [question, chat, sources_state, sources_html]
        inputs = [question, chat, top_k, backend, reader, since, until, as_of, include_undated, sources_state]
        def kept(answered: Any) -> None:
            """Store the conversation once an answer is complete."""
            answered.then(save, [chat, sources_state], saved, api_name=False)

        kept(question.submit(respond, inputs, outputs, api_name="chat"))
        kept(ask_button.click(respond, inputs, outputs, api_name=False))
        for button, text in zip(example_buttons, examples):
            kept(button.click(lambda t=text: t, None, question, api_name=False).then(respond, inputs, outputs, api_name=False))
        app.load(restore, saved, [chat, sources_state, sources_html], api_name=False)
        cleared = [chat, sources_state, sources_html, saved, question]
        clear_button.click(clear, None, cleared, api_name=False)
        chat.clear(clear, None, cleared, api_name=False)
        copy_button.click(None, None, None, js=COPY_JS, api_name=False)
        # Shown afresh each time the panel opens: `rag watch` or `rag index` in another process may have polled since.
        index_accordion.expand(refresh_index, None, [index_panel, watched_panel], api_name=False)
        if not read_only:  # read-only: no event, so no upload API either
            files.upload(upload, files, [upload_status, index_panel, files, heading], api_name="upload")
            added = [feed_status, index_panel, watched_panel, heading, feed_url]
            add_feed_button.click(add_feed, feed_url, added, api_name="add_feed")
            feed_url.submit(add_feed, feed_url, added, api_name=False)
        timeline_inputs = [timeline_query, since, until, as_of, include_undated]
        timeline_query.submit(timeline, timeline_inputs, timeline_html, api_name="timeline")
        timeline_button.click(timeline, timeline_inputs, timeline_html, api_name=False)
    return app


def _upload_path(item: Any) -> Path:
    """The path of one uploaded file as Gradio hands it over (a str, or an object with ``.name``)."""
    return Path(item if isinstance(item, str) else getattr(item, "name", str(item)))


def _gradio_temp_dir() -> Path:
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio").resolve()


def own_temp_dir(max_age_s: float = UPLOAD_CACHE[1]) -> Path:
    """Give Gradio a temp folder of rag-news's own, ``<tmp>/rag-news-gradio`` (``$GRADIO_TEMP_DIR`` when set).

    Call it before an app is built: Gradio reads the variable then. A folder
    of our own is one nothing else writes to, so files older than
    ``max_age_s`` there (left by a process that was killed before its cache
    was cleaned) are deleted now; a folder named by ``$GRADIO_TEMP_DIR`` is
    left as it is.

    Example:
        >>> own_temp_dir().name  # doctest: +SKIP
        'rag-news-gradio'
    """
    if os.environ.get("GRADIO_TEMP_DIR"):
        return _gradio_temp_dir()
    folder = Path(tempfile.gettempdir()) / "rag-news-gradio"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    cutoff = time.time() - max_age_s
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):  # files, then their folders
        with contextlib.suppress(OSError):
            if path.is_symlink() or path.is_file():
                if path.lstat().st_mtime < cutoff:
                    path.unlink()
            elif path.is_dir():
                path.rmdir()  # only when empty
    return folder.resolve()


def _drop_gradio_copy(path: Path) -> None:
    """Delete an uploaded file's copy in Gradio's temp folder (never a file elsewhere)."""
    try:
        resolved = path.resolve()
        if resolved.is_relative_to(_gradio_temp_dir()) and resolved.is_file():
            resolved.unlink()
            with contextlib.suppress(OSError):
                resolved.parent.rmdir()  # Gradio keeps each upload in a folder of its own
    except OSError:
        pass


def app_options(max_file_mb: float = Settings().max_file_mb) -> dict[str, Any]:
    """The app's options, for ``Blocks.launch`` and ``gradio.mount_gradio_app`` alike: styling and script (Gradio 6
    takes them there), system fonts, no downloads.

    ``max_file_size`` makes Gradio refuse a bigger upload before it is written
    to its temp folder (our own check then never sees it). Gradio's temp
    folder is an allowed path: Gradio serves what is uploaded there anyway, and
    without it a dotfile uploaded while the folder lies under the working
    directory fails inside Gradio with its generic error (and its copy stays),
    where :func:`ui.uploads.file_problem` gives one line.
    """
    theme = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    return {"css": CSS, "head": HEAD, "theme": theme, "ssr_mode": False,
            "max_file_size": int(max_file_mb * 1024 * 1024),  # bytes: Gradio's "mb" strings take no fraction
            "allowed_paths": [str(_gradio_temp_dir())]}


def launch_options(max_file_mb: float = Settings().max_file_mb) -> dict[str, Any]:
    """Options for ``Blocks.launch``: :func:`app_options`, quietly."""
    return {**app_options(max_file_mb), "quiet": True}


def _sources_html(sources: list[str]) -> str:
    return "".join(sources) or "<p>Sources of each answer appear here.</p>"


def launch(
    *, index_dir: str | Path | None = None, settings: Settings | None = None, host: str = "127.0.0.1",
    port: int = 7860, share: bool = False, read_only: bool = False, fetch_limits: FetchLimits | None = None,
) -> None:
    """Load the assistant and serve the app until interrupted (``rag ui`` without a key; with one, ``ui.server`` serves it)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    own_temp_dir()
    assistant = Assistant.load(index_dir, settings=settings, progress=True)
    app = build_app(assistant, read_only=read_only, fetch_limits=fetch_limits)
    print(f"serving on http://{host}:{port}", flush=True)
    # 16 at a time: a request spends much of its life sleeping between streamed updates; with 4
    # workers 20 users queued behind them (docs/benchmarks.md, "The UI under load").
    app.queue(default_concurrency_limit=CONCURRENCY).launch(
        server_name=host, server_port=port, share=share, **launch_options(assistant.settings.max_file_mb)
    )
