"""The extractive answerer on the bundled articles: answers, merged citations, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import REFUSAL_TEXT, Assistant, EmptyQuestionError, InputError
from rag._answering import ExtractiveAnswerer
from rag._reader import Reader, ReaderInput, ReaderOutput
from rag._scoring import question_type

TROOPS_1 = "More than ten thousand troops will be dispatched"
TROOPS_2 = "More than 10,000 troops are taking part"


def check_citations(assistant: Assistant, answer) -> None:  # type: ignore[no-untyped-def]
    for citation in answer.citations:
        document = assistant.document(citation.doc_id)
        assert document.text[citation.start : citation.end] == citation.quote
        assert citation.title == document.title and citation.source == document.source
        assert f"[{citation.n}]" in answer.text
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


@pytest.mark.parametrize("question", ["how many troops?", "How many troops?", "How many soldiers took part?"])
def test_troops_cites_both_articles_in_one_statement(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.refused
    assert "ten thousand" in answer.text or "10,000" in answer.text
    assert {c.doc_id for c in answer.citations} >= {"russia-china-drill-report", "zapad-interaction-2021-begins"}
    quotes = " ".join(c.quote for c in answer.citations)
    assert TROOPS_1 in quotes and TROOPS_2 in quotes
    # Merged: the two sources are cited side by side on one statement.
    assert "[1][2]" in answer.text
    check_citations(assistant, answer)


def test_why_tajikistan_cites_the_border_request(assistant: Assistant) -> None:
    answer = assistant.ask("why Tajikistan?")
    assert not answer.refused
    first = answer.citations[0]
    assert "Tajikistan asked the Russian-led Collective Security Treaty Organization" in first.quote
    assert "border with Afghanistan" in first.quote
    check_citations(assistant, answer)


@pytest.mark.parametrize(
    "question",
    [
        "how many ships took part?",
        "how many tanks were deployed?",
        "who won the world cup?",
        "what is the capital of France?",
        "what is the recipe for banana bread?",
    ],
)
def test_unanswerable_questions_are_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.refused
    assert answer.text == REFUSAL_TEXT
    assert answer.citations == ()
    assert answer.passages, "the closest passages are still shown"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what weapons will Russian troops use?", "Chinese-made weapons"),
        ("what percentage of the country do the Taliban control?", "85 percent"),
        ("who is Wei Fenghe?", "Chinese Defense Minister Wei Fenghe"),
        ("how long is Tajikistan's border with Afghanistan?", "843-mile"),
        ("what did the Russian military dispatch to the drill ground?", "Su-30SM fighters"),
    ],
)
def test_single_article_answers(assistant: Assistant, question: str, expected: str) -> None:
    answer = assistant.ask(question)
    assert not answer.refused
    assert expected in answer.text
    check_citations(assistant, answer)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Where exactly will the drill be held?", "Qingtongxia"),
        ("What is the exercise called?", "Zapad/Interaction 2021"),
        ("When is the drill scheduled?", "August"),
    ],
)
@pytest.mark.xfail(
    reason="issue #10, open: with little word overlap the sentence naming the base, the name and the month "
    "still scores under the calibrated threshold (combined 0.03-0.06 against 0.072)",
    strict=True,
)
def test_paraphrases_a_person_would_expect_to_work(assistant: Assistant, question: str, expected: str) -> None:
    """Questions worded unlike the articles: the reader, not word overlap, finds the answer."""
    answer = assistant.ask(question)
    assert not answer.refused, question
    assert expected in answer.text, (question, answer.text)
    check_citations(assistant, answer)


def test_defence_minister_paraphrase_cites_the_sentence_naming_him(assistant: Assistant) -> None:
    answer = assistant.ask("Who is Russia's defence minister?")
    assert not answer.refused and "Sergei Shoigu" in answer.citations[0].quote
    check_citations(assistant, answer)


def test_a_different_quantity_is_refused_not_answered_with_the_troops(assistant: Assistant) -> None:
    answer = assistant.ask("How many warships took part?")
    assert answer.refused, answer.text


def test_every_citation_matches_its_offsets_over_many_questions(assistant: Assistant) -> None:
    questions = [
        "Where is the drill held?", "What is the SCO?", "What did Putin hint at?", "When did the exercises begin?",
        "Who announced the drill?", "What does the Global Times say?", "Since when have they held exercises?",
        "What happened in 2014?", "What are the objectives of the exercise?", "Where do refugees go?",
    ]
    for question in questions:
        answer = assistant.ask(question)
        check_citations(assistant, answer)
        assert answer.refused == (not answer.citations)


def test_answer_to_dict_shape(assistant: Assistant) -> None:
    data = assistant.ask("how many troops?").to_dict()
    assert set(data) >= {"question", "short_answer", "answer", "refused", "citations", "passages", "timings_ms",
                         "time_scope", "disagreements"}
    assert set(data["citations"][0]) == {"n", "doc_id", "title", "source", "start", "end", "quote", "score",
                                         "published", "outlet", "url", "also_published", "dates"}
    assert data["timings_ms"]["total"] > 0
    assert data["passages"][0]["rank"] == 1


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_rejected(assistant: Assistant, question: str) -> None:
    with pytest.raises(EmptyQuestionError, match="empty"):
        assistant.ask(question)


def test_overlong_question_and_bad_top_k(assistant: Assistant) -> None:
    with pytest.raises(InputError, match="characters long"):
        assistant.ask("troops " * 1000)
    with pytest.raises(InputError, match="top_k"):
        assistant.ask("troops?", top_k=0)


def test_unknown_document_id(assistant: Assistant) -> None:
    with pytest.raises(InputError, match="no document with id"):
        assistant.document("nope")


@pytest.mark.parametrize(
    ("question", "kind"),
    [("How many troops?", "number"), ("how much did it cost", "number"), ("How long will it last?", "duration"),
     ("When did it start?", "time"),
     ("What year was it?", "time"), ("Why Tajikistan?", "reason"), ("Who is Wei?", "other")],
)
def test_question_type(question: str, kind: str) -> None:
    assert question_type(question) == kind


@pytest.mark.parametrize(
    ("question", "dropped", "kept"),
    [
        ("How large is the troop deployment?", {"larg"}, {"troop", "deploy"}),
        ("how LONG will the drills last?", {"long", "last"}, {"drill"}),
        ("How long did the war last for?", {"long", "last"}, {"war"}),
        ("Who spoke last Thursday?", set(), {"last", "thursday", "spoke"}),
        ("How long did the Large Hadron Collider run?", {"long"}, {"larg", "hadron", "collid"}),
        ("How big?", {"big"}, set()),
        ("Why did Tajikistan ask for help?", set(), {"tajikistan", "help"}),
    ],
)
def test_the_word_after_how_is_not_a_question_term(assistant: Assistant, question: str, dropped: set, kept: set) -> None:
    from rag._evidence import QuestionTerms

    terms = set(QuestionTerms.of(question, assistant.pipeline().index).weights)
    assert not terms & dropped and kept <= terms


def test_how_large_is_answered_with_the_figure(assistant: Assistant) -> None:
    # The evidence rule under test; the default model reader still refuses this wording (docs/evaluation.md).
    answer = assistant.ask("How large is the troop deployment in the exercise?", reader="fast")
    assert not answer.refused and ("10,000" in answer.text or "ten thousand" in answer.text)
    check_citations(assistant, answer)


def _indexed(make_assistant, tmp_path: Path, files: dict[str, str]) -> Assistant:  # type: ignore[no-untyped-def]
    """An assistant over a folder holding ``files`` (name to text)."""
    folder = tmp_path / "news"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    assistant = make_assistant()
    assistant.index([folder])
    return assistant


def test_a_bracketed_number_in_article_text_never_looks_like_a_citation(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An article's own '[2]' footnote mark is shown as '(2)' in the answer; the citation quote stays exact."""
    assistant = _indexed(make_assistant, tmp_path, {
        "floods.txt": "Floods in the valley\n\nThe floods displaced more than 4,000 families in the valley [2]. "
                      "Relief agencies opened twelve shelters on Tuesday.\n",
    })
    answer = assistant.ask("How many families were displaced by the floods?")
    assert not answer.refused and len(answer.citations) == 1
    assert "[2]" not in answer.text and "(2)" in answer.text and answer.text.endswith("[1]")
    assert answer.citations[0].quote.endswith("valley [2].")


def test_an_articles_footnote_marks_never_reach_the_short_answer(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The bold short answer sits beside the real [n] citations: '[4]' from the article must not survive in it."""
    assistant = _indexed(make_assistant, tmp_path, {
        "floods.txt": "Floods\n\nThe floods displaced [3] more than [4] 4,000 families in the valley. "
                      "Relief agencies opened twelve shelters.\n",
    })
    answer = assistant.ask("How many families were displaced by the floods?")
    assert answer.short_answer == "more than 4,000"
    assert answer.citations[0].quote.startswith("The floods displaced [3] more than [4]")  # the quote stays exact


class _RecordingReader(Reader):
    """The real reader, keeping what it was asked to read."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[ReaderInput] = []

    def read(self, items: list[ReaderInput]) -> list[ReaderOutput]:
        self.inputs.extend(items)
        return super().read(items)


def test_the_reader_sees_a_headline_but_not_a_title_cut_from_a_paragraph(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An untitled file's title is its first line; cut from a long line it only repeats the paragraph's opening."""
    assistant = _indexed(make_assistant, tmp_path, {
        "headline.txt": "Valley floods displace thousands\n\nRain fell for a week. The floods displaced more than 4,000 families.\n",
        "snippet.txt": "Relief agencies opened twelve shelters in schools. The floods in the lower valley displaced more than "
                       "4,000 families, officials said on Tuesday. The river crested on Monday, a day before the rain stopped.\n",
    })
    assert assistant.document("snippet").title.endswith("…")
    index, searcher = assistant.snapshot()
    reader = _RecordingReader().warm_up()
    answerer = ExtractiveAnswerer(reader=reader)
    question = "How many families did the floods displace?"
    vector = searcher.embed_query(question)
    answerer.rank(question, searcher.search(question, 5, query_vector=vector), index, vector)
    titles = {item.sentence: item.title for item in reader.inputs}
    assert titles["The floods displaced more than 4,000 families."] == "Valley floods displace thousands"
    # The snippet's title runs into its second sentence: shown, it would repeat the paragraph's opening words.
    assert [t for sentence, t in titles.items() if sentence.startswith(("The floods in", "The river"))] == ["", ""]


def test_a_short_answer_keeps_the_qualifier_of_its_figure(assistant: Assistant) -> None:
    """"More than 10,000 troops": the short answer "10,000" would claim what the articles do not."""
    answer = assistant.ask("how many troops?")
    assert answer.short_answer == "More than 10,000"
    assert answer.short_answer in answer.citations[0].quote


def test_the_large_reader_answers_from_its_parts(assistant: Assistant) -> None:
    """reader = "large": the 12-layer reader, joined from its hashed parts, reads the candidates and gives the short answer."""
    import json

    from rag._calibration import reader_folder

    parts = json.loads((reader_folder("large") / "parts.json").read_text(encoding="utf-8"))
    assert len(parts["parts"]) == 3
    answer = assistant.ask("How many troops are taking part?", reader="large")
    assert not answer.refused and "10,000" in (answer.short_answer or "")
    assert assistant.ask("How many warships took part?", reader="large").refused


@pytest.fixture(scope="module")
def same_reader_spans(demo_index_dir: Path, embedder) -> Assistant:  # type: ignore[no-untyped-def]
    from rag import Settings

    return Assistant.load(demo_index_dir, embeddings=embedder, settings=Settings(short_answer_reader="same"))


@pytest.mark.parametrize(
    ("question", "before", "after"),
    [
        ("Who is Russia's defense minister?", "Wei Fenghe met with his Russian counterpart, Sergei Shoigu", "Sergei Shoigu"),
        ("Which organization did Tajikistan ask for assistance?", "Russian-led Collective Security Treaty",
         "Collective Security Treaty Organization"),
        ("When is the drill expected to take place?", "The “Zapad/Interaction 2021", "early to mid-August"),
    ],
)
def test_the_large_reader_finds_the_short_answer_in_the_quote_the_small_one_chose(
    assistant: Assistant, same_reader_spans: Assistant, question: str, before: str, after: str
) -> None:
    """short_answer_reader = "large" (the default) changes the short answer only: same quotes, scores, refusals."""
    assert assistant.answerer.span_reader is not None and same_reader_spans.answerer.span_reader is None
    large, same = assistant.ask(question), same_reader_spans.ask(question)
    assert (same.short_answer, large.short_answer) == (before, after)
    assert large.refused == same.refused is False
    assert [(c.doc_id, c.start, c.end, c.score) for c in large.citations] == [(c.doc_id, c.start, c.end, c.score) for c in same.citations]
    check_citations(assistant, large)


def test_refusals_and_quotes_do_not_depend_on_the_short_answer_reader(assistant: Assistant, same_reader_spans: Assistant) -> None:
    for question in ("How many warships took part?", "How many troops?", "What is the SCO?", "Who announced the drill?"):
        large, same = assistant.ask(question), same_reader_spans.ask(question)
        assert large.refused == same.refused
        assert [c.score for c in large.citations] == [c.score for c in same.citations]
        assert [c.quote for c in large.citations][1:] == [c.quote for c in same.citations][1:]  # the lead may take in the sentence before
